#include "model/dtype.hpp"

#include <array>

namespace hwplan::model {

std::optional<DType> dtype_from_string(std::string_view s) {
    static constexpr std::array all{DType::fp32, DType::bf16, DType::fp16, DType::fp8,
                                    DType::int8, DType::fp4,  DType::int4};
    for (DType t : all)
        if (to_string(t) == s) return t;
    return std::nullopt;
}

}  // namespace hwplan::model
