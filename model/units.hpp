#pragma once
// Typed quantities used at every model/ API boundary.
//
// hwplan works in four dimensions: time, data (bytes), arithmetic work (FLOPs)
// and their ratios (bandwidth, compute rate). Boost.Units makes the ratios
// checked at compile time: `Bytes / BytesPerSecond` is `Seconds`, and adding
// bytes to seconds does not compile. Values are stored in SI base units
// (seconds, bytes, FLOPs); prefixes exist only in the helper constructors and
// in the printers (cli/, gui/), so no code divides by 1e9 "by hand".
//
// Inner loops may unwrap to double with `.value()` inside one function; the
// result is wrapped again before it leaves the function.

#include <boost/units/base_dimension.hpp>
#include <boost/units/base_unit.hpp>
#include <boost/units/derived_dimension.hpp>
#include <boost/units/make_system.hpp>
#include <boost/units/quantity.hpp>
#include <boost/units/static_constant.hpp>
#include <boost/units/unit.hpp>
#include <boost/units/physical_dimensions/time.hpp>
#include <boost/units/base_units/si/second.hpp>
#include <boost/units/cmath.hpp>

namespace hwplan::model::units {

// Data volume is its own dimension (not "dimensionless"), so a byte count can
// never be mistaken for a FLOP count.
struct data_base_dimension : boost::units::base_dimension<data_base_dimension, 9101> {};
using data_dimension = data_base_dimension::dimension_type;

// Arithmetic work (floating-point operations, one multiply-add = 2 FLOPs).
struct work_base_dimension : boost::units::base_dimension<work_base_dimension, 9102> {};
using work_dimension = work_base_dimension::dimension_type;

struct byte_base_unit : boost::units::base_unit<byte_base_unit, data_dimension, 9111> {
    static const char* name() { return "byte"; }
    static const char* symbol() { return "B"; }
};
struct flop_base_unit : boost::units::base_unit<flop_base_unit, work_dimension, 9112> {
    static const char* name() { return "flop"; }
    static const char* symbol() { return "FLOP"; }
};

using system = boost::units::make_system<boost::units::si::second_base_unit, byte_base_unit,
                                         flop_base_unit>::type;

using time_unit = boost::units::unit<boost::units::time_dimension, system>;
using data_unit = boost::units::unit<data_dimension, system>;
using work_unit = boost::units::unit<work_dimension, system>;
using bandwidth_unit = boost::units::divide_typeof_helper<data_unit, time_unit>::type;
using compute_rate_unit = boost::units::divide_typeof_helper<work_unit, time_unit>::type;
using intensity_unit = boost::units::divide_typeof_helper<work_unit, data_unit>::type;

BOOST_UNITS_STATIC_CONSTANT(second, time_unit);
BOOST_UNITS_STATIC_CONSTANT(byte, data_unit);
BOOST_UNITS_STATIC_CONSTANT(flop, work_unit);
BOOST_UNITS_STATIC_CONSTANT(byte_per_second, bandwidth_unit);
BOOST_UNITS_STATIC_CONSTANT(flop_per_second, compute_rate_unit);

}  // namespace hwplan::model::units

namespace hwplan::model {

using Seconds = boost::units::quantity<units::time_unit, double>;
using Bytes = boost::units::quantity<units::data_unit, double>;
using Flops = boost::units::quantity<units::work_unit, double>;
using BytesPerSecond = boost::units::quantity<units::bandwidth_unit, double>;
using FlopsPerSecond = boost::units::quantity<units::compute_rate_unit, double>;

// Constructors with the prefixes people read on spec sheets. Decimal prefixes
// for rates and for "GB"/"TB" (vendors' convention); binary ones are explicit.
[[nodiscard]] inline Seconds seconds(double v) { return v * units::second; }
[[nodiscard]] inline Seconds milliseconds(double v) { return v * 1e-3 * units::second; }
[[nodiscard]] inline Seconds microseconds(double v) { return v * 1e-6 * units::second; }
[[nodiscard]] inline Seconds nanoseconds(double v) { return v * 1e-9 * units::second; }
[[nodiscard]] inline Bytes bytes(double v) { return v * units::byte; }
[[nodiscard]] inline Bytes kilobytes(double v) { return v * 1e3 * units::byte; }
[[nodiscard]] inline Bytes gigabytes(double v) { return v * 1e9 * units::byte; }
[[nodiscard]] inline Bytes gibibytes(double v) { return v * 1073741824.0 * units::byte; }
[[nodiscard]] inline Flops flops(double v) { return v * units::flop; }
[[nodiscard]] inline BytesPerSecond bytes_per_second(double v) { return v * units::byte_per_second; }
[[nodiscard]] inline BytesPerSecond gigabytes_per_second(double v) {
    return v * 1e9 * units::byte_per_second;
}
[[nodiscard]] inline FlopsPerSecond flops_per_second(double v) { return v * units::flop_per_second; }
[[nodiscard]] inline FlopsPerSecond teraflops_per_second(double v) {
    return v * 1e12 * units::flop_per_second;
}

// Readouts, for printers and for the raw-double insides of one function.
[[nodiscard]] inline double to_us(Seconds t) { return t.value() * 1e6; }
[[nodiscard]] inline double to_ms(Seconds t) { return t.value() * 1e3; }
[[nodiscard]] inline double to_gbps(BytesPerSecond b) { return b.value() / 1e9; }  // GB/s
[[nodiscard]] inline double to_tflops(FlopsPerSecond f) { return f.value() / 1e12; }

}  // namespace hwplan::model
