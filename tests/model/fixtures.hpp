#pragma once
// Model descriptions built in code from the public HF config.json values, so
// model/ tests do not depend on the YAML database (hwdb/ and CLI tests check
// that the database gives the same numbers).

#include "model/model_arch.hpp"

namespace hwplan::test {

inline model::ModelArch deepseek_v3() {
    model::ModelArch m;
    m.id = "deepseek-v3";
    m.layers = 61;
    m.hidden = 7168;
    m.vocab = 129280;
    m.attention = model::Mla{128, 1536, 512, 128, 64, 128};
    m.ffn = model::Moe{256, 1, 8, 2048, 3, 18432, 8, 4};
    m.mtp_depth = 1;
    m.weights_dtype = model::DType::fp8;
    return m;
}

inline model::ModelArch deepseek_v2() {
    model::ModelArch m;
    m.id = "deepseek-v2";
    m.layers = 60;
    m.hidden = 5120;
    m.vocab = 102400;
    m.attention = model::Mla{128, 1536, 512, 128, 64, 128};
    m.ffn = model::Moe{160, 2, 6, 1536, 1, 12288, 8, 3};
    return m;
}

inline model::ModelArch gqa_model(const char* id, int layers, int hidden, int vocab, int heads, int kv_heads,
                                  int head_dim, int inter, bool qkv_bias = false) {
    model::ModelArch m;
    m.id = id;
    m.layers = layers;
    m.hidden = hidden;
    m.vocab = vocab;
    m.attention = model::Gqa{heads, kv_heads, head_dim, qkv_bias, false};
    m.ffn = model::Dense{inter};
    return m;
}

inline model::ModelArch qwen25_72b() { return gqa_model("qwen2.5-72b", 80, 8192, 152064, 64, 8, 128, 29568, true); }
inline model::ModelArch llama31_405b() { return gqa_model("llama-3.1-405b", 126, 16384, 128256, 128, 8, 128, 53248); }
inline model::ModelArch llama31_70b() { return gqa_model("llama-3.1-70b", 80, 8192, 128256, 64, 8, 128, 28672); }
inline model::ModelArch llama31_8b() { return gqa_model("llama-3.1-8b", 32, 4096, 128256, 32, 8, 128, 14336); }

}  // namespace hwplan::test
