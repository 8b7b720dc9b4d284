"""CUDA C source of the cupy backend's kernels (one thread per pixel), mirroring
numba_backend.py: same integer rounding, same tables. Kept as a string so that it ships
inside the package; compiled by NVRTC through ``cupy.RawModule`` on first use."""

CUDA_SOURCE = r"""
// CUDA kernels of the cupy backend: one thread per pixel, mirroring numba_backend.py
// (same integer rounding, same tables). Arrays are C-contiguous.

#define CB_R (-7509)
#define CB_G (-25259)
#define CB_B 32768
#define CR_R 32768
#define CR_G (-29763)
#define CR_B (-3005)
#define FIX_BIAS ((128 << 16) + 32768)

__device__ __forceinline__ int div255(int t) {
    t += 128;
    return (t + (t >> 8)) >> 8;
}

__device__ __forceinline__ unsigned char u8f(float v) {
    v = rintf(v);
    return (unsigned char)(v < 0.0f ? 0.0f : (v > 255.0f ? 255.0f : v));
}

__device__ __forceinline__ void cbcr(int r, int g, int b, int* cb, int* cr) {
    int u = (CB_R * r + CB_G * g + CB_B * b + FIX_BIAS) >> 16;
    int v = (CR_R * r + CR_G * g + CR_B * b + FIX_BIAS) >> 16;
    *cb = u < 255 ? u : 255;
    *cr = v < 255 ? v : 255;
}

__device__ __forceinline__ void despill_px(int* rgb, int channel, float spill) {
    int o1 = channel == 0 ? 1 : 0;
    int o2 = channel == 2 ? 1 : 2;
    float lim = ((float)rgb[o1] + (float)rgb[o2]) * 0.5f;
    float ex = (float)rgb[channel] - lim;
    if (ex > 0.0f) rgb[channel] = (int)rintf((float)rgb[channel] - spill * ex);
}

__device__ __forceinline__ void blend_px(unsigned char* out, const unsigned char* bg, long long i,
                                         int nch, const int* rgb, int a) {
    int ia = 255 - a;
    for (int c = 0; c < 3; ++c) out[i * nch + c] = (unsigned char)div255(rgb[c] * a + (int)bg[i * nch + c] * ia);
    if (nch == 4) out[i * 4 + 3] = (unsigned char)div255(255 * a + (int)bg[i * 4 + 3] * ia);
}

extern "C" __global__ void over_u8(const unsigned char* fg, const unsigned char* bg,
                                   unsigned char* out, long long n, int nch) {
    long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    int ia = 255 - (int)fg[i * 4 + 3];
    for (int c = 0; c < nch; ++c) {
        int v = (int)fg[i * 4 + c] + div255((int)bg[i * nch + c] * ia);
        out[i * nch + c] = (unsigned char)(v < 255 ? v : 255);
    }
}

extern "C" __global__ void over_f32(const float* fg, const float* bg, float* out, long long n, int nch) {
    long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    float ia = 1.0f - fg[i * 4 + 3];
    for (int c = 0; c < nch; ++c) out[i * nch + c] = fg[i * 4 + c] + bg[i * nch + c] * ia;
}

extern "C" __global__ void key_matte(const unsigned char* plate, const unsigned char* table,
                                     const unsigned char* garbage, int use_garbage,
                                     unsigned char* out, long long n) {
    long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    int cb, cr;
    cbcr(plate[i * 3], plate[i * 3 + 1], plate[i * 3 + 2], &cb, &cr);
    int a = table[cb * 256 + cr];
    if (use_garbage) a = div255(a * (int)garbage[i]);
    out[i] = (unsigned char)a;
}

extern "C" __global__ void key_rgba(const unsigned char* plate, const unsigned char* alpha,
                                    int channel, float spill, unsigned char* out, long long n) {
    long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    int rgb[3] = {plate[i * 3], plate[i * 3 + 1], plate[i * 3 + 2]};
    despill_px(rgb, channel, spill);
    int a = alpha[i];
    for (int c = 0; c < 3; ++c) out[i * 4 + c] = (unsigned char)div255(rgb[c] * a);
    out[i * 4 + 3] = (unsigned char)a;
}

extern "C" __global__ void despill_over(const unsigned char* plate, const unsigned char* alpha,
                                        const unsigned char* bg, int nch, int channel, float spill,
                                        unsigned char* out, long long n) {
    long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    int rgb[3] = {plate[i * 3], plate[i * 3 + 1], plate[i * 3 + 2]};
    despill_px(rgb, channel, spill);
    blend_px(out, bg, i, nch, rgb, alpha[i]);
}

extern "C" __global__ void key_despill_over(const unsigned char* plate, const unsigned char* table,
                                            const unsigned char* garbage, int use_garbage,
                                            const unsigned char* bg, int nch, int channel,
                                            float spill, unsigned char* out, unsigned char* matte,
                                            int use_matte, long long n) {
    long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    int rgb[3] = {plate[i * 3], plate[i * 3 + 1], plate[i * 3 + 2]};
    int cb, cr;
    cbcr(rgb[0], rgb[1], rgb[2], &cb, &cr);
    int a = table[cb * 256 + cr];
    if (use_garbage) a = div255(a * (int)garbage[i]);
    if (use_matte) matte[i] = (unsigned char)a;
    despill_px(rgb, channel, spill);
    blend_px(out, bg, i, nch, rgb, a);
}

// Layers: device arrays of pointers to each layer's RGBA and depth (NULL: constant).
extern "C" __global__ void depth_u8(const unsigned long long* colors, const unsigned long long* depths,
                                    const float* consts, int nl, const unsigned char* bg, int nch,
                                    unsigned char* out, long long n, int* nan_count) {
    long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    float dv[16];
    int order[16];
    for (int l = 0; l < nl; ++l) {
        float d = consts[l];
        if (isnan(d)) d = ((const float*)depths[l])[i];
        if (isnan(d)) atomicAdd(nan_count, 1);
        dv[l] = d;
        int j = l;
        while (j > 0 && dv[order[j - 1]] > d) { order[j] = order[j - 1]; --j; }
        order[j] = l;
    }
    int acc[4];
    for (int c = 0; c < nch; ++c) acc[c] = bg[i * nch + c];
    for (int k = nl - 1; k >= 0; --k) {
        const unsigned char* col = (const unsigned char*)colors[order[k]];
        int ia = 255 - (int)col[i * 4 + 3];
        for (int c = 0; c < nch; ++c) {
            int v = (int)col[i * 4 + c] + div255(acc[c] * ia);
            acc[c] = v < 255 ? v : 255;
        }
    }
    for (int c = 0; c < nch; ++c) out[i * nch + c] = (unsigned char)acc[c];
}

extern "C" __global__ void depth_f32(const unsigned long long* colors, const unsigned long long* depths,
                                     const float* consts, int nl, const float* bg, int nch,
                                     float* out, long long n, int* nan_count) {
    long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    float dv[16];
    int order[16];
    for (int l = 0; l < nl; ++l) {
        float d = consts[l];
        if (isnan(d)) d = ((const float*)depths[l])[i];
        if (isnan(d)) atomicAdd(nan_count, 1);
        dv[l] = d;
        int j = l;
        while (j > 0 && dv[order[j - 1]] > d) { order[j] = order[j - 1]; --j; }
        order[j] = l;
    }
    float acc[4];
    for (int c = 0; c < nch; ++c) acc[c] = bg[i * nch + c];
    for (int k = nl - 1; k >= 0; --k) {
        const float* col = (const float*)colors[order[k]];
        float ia = 1.0f - col[i * 4 + 3];
        for (int c = 0; c < nch; ++c) acc[c] = col[i * 4 + c] + acc[c] * ia;
    }
    for (int c = 0; c < nch; ++c) out[i * nch + c] = acc[c];
}

__device__ __forceinline__ void sat_px(float* v, float sat) {
    float luma = 0.2126f * v[0] + 0.7152f * v[1] + 0.0722f * v[2];
    for (int c = 0; c < 3; ++c) v[c] = fminf(fmaxf(luma + sat * (v[c] - luma), 0.0f), 1.0f);
}

extern "C" __global__ void cdl_u8(const unsigned char* img, const float* table, float sat, int nch,
                                  unsigned char* out, long long n) {
    long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    float v[3];
    for (int c = 0; c < 3; ++c) v[c] = table[(int)img[i * nch + c] * 3 + c];
    sat_px(v, sat);
    for (int c = 0; c < 3; ++c) out[i * nch + c] = u8f(v[c] * 255.0f);
    if (nch == 4) out[i * 4 + 3] = img[i * 4 + 3];
}

extern "C" __global__ void cdl_f32(const float* img, const float* sop, float sat, int nch,
                                   float* out, long long n) {
    long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    float v[3];
    for (int c = 0; c < 3; ++c) {
        float x = fminf(fmaxf(img[i * nch + c] * sop[c] + sop[3 + c], 0.0f), 1.0f);
        v[c] = powf(x, sop[6 + c]);
    }
    sat_px(v, sat);
    for (int c = 0; c < 3; ++c) out[i * nch + c] = v[c];
    if (nch == 4) out[i * 4 + 3] = img[i * 4 + 3];
}

__device__ __forceinline__ float trilinear(const float* cube, int size, const int* i0, const float* f, int c) {
    // cube is [r][g][b][3], C order.
    float acc = 0.0f;
    for (int dr = 0; dr < 2; ++dr)
        for (int dg = 0; dg < 2; ++dg)
            for (int db = 0; db < 2; ++db) {
                float w = (dr ? f[0] : 1.0f - f[0]) * (dg ? f[1] : 1.0f - f[1]) * (db ? f[2] : 1.0f - f[2]);
                long long idx = (((long long)(i0[0] + dr) * size + (i0[1] + dg)) * size + (i0[2] + db)) * 3 + c;
                acc += w * cube[idx];
            }
    return acc;
}

extern "C" __global__ void lut_u8(const unsigned char* img, const float* cube, int size,
                                  const int* taps_i, const float* taps_f, int nch,
                                  unsigned char* out, long long n) {
    long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    int i0[3];
    float f[3];
    for (int c = 0; c < 3; ++c) {
        int v = img[i * nch + c];
        i0[c] = taps_i[v * 3 + c];
        f[c] = taps_f[v * 3 + c];
    }
    for (int c = 0; c < 3; ++c) out[i * nch + c] = u8f(trilinear(cube, size, i0, f, c) * 255.0f);
    if (nch == 4) out[i * 4 + 3] = img[i * 4 + 3];
}

// Float input: shaper (optional, m rows) then the cube; dom = smin[3], smax[3], dmin[3], dmax[3].
extern "C" __global__ void lut_f32(const float* img, const float* cube, int size, const float* shaper,
                                   int m, const float* dom, int nch, float* out, long long n) {
    long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    int i0[3];
    float f[3], v[3];
    for (int c = 0; c < 3; ++c) {
        double x = img[i * nch + c];
        if (m > 0) {
            double p = fmin(fmax((x - dom[c]) / (dom[3 + c] - dom[c]), 0.0), 1.0) * (m - 1);
            int k = min((int)floor(p), m - 2);
            double t = p - k;
            x = shaper[k * 3 + c] * (1.0 - t) + shaper[(k + 1) * 3 + c] * t;
        }
        v[c] = (float)x;
        if (size > 0) {
            double p = fmin(fmax((x - dom[6 + c]) / (dom[9 + c] - dom[6 + c]), 0.0), 1.0) * (size - 1);
            int k = min((int)floor(p), size - 2);
            i0[c] = k;
            f[c] = (float)(p - k);
        }
    }
    for (int c = 0; c < 3; ++c) out[i * nch + c] = size > 0 ? trilinear(cube, size, i0, f, c) : v[c];
    if (nch == 4) out[i * 4 + 3] = img[i * 4 + 3];
}

extern "C" __global__ void resize_u8(const unsigned char* img, int in_w, int nch,
                                     const int* y0, const int* y1, const float* wy,
                                     const int* x0, const int* x1, const float* wx,
                                     unsigned char* out, int out_h, int out_w) {
    long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= (long long)out_h * out_w) return;
    int y = (int)(i / out_w), x = (int)(i % out_w);
    float fy = wy[y], fx = wx[x];
    long long a = (long long)y0[y] * in_w, b = (long long)y1[y] * in_w;
    for (int c = 0; c < nch; ++c) {
        float top = (float)img[(a + x0[x]) * nch + c] * (1.0f - fx) + (float)img[(a + x1[x]) * nch + c] * fx;
        float bot = (float)img[(b + x0[x]) * nch + c] * (1.0f - fx) + (float)img[(b + x1[x]) * nch + c] * fx;
        out[i * nch + c] = u8f(top * (1.0f - fy) + bot * fy);
    }
}

extern "C" __global__ void resize_f32(const float* img, int in_w, int nch,
                                      const int* y0, const int* y1, const float* wy,
                                      const int* x0, const int* x1, const float* wx,
                                      float* out, int out_h, int out_w) {
    long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= (long long)out_h * out_w) return;
    int y = (int)(i / out_w), x = (int)(i % out_w);
    float fy = wy[y], fx = wx[x];
    long long a = (long long)y0[y] * in_w, b = (long long)y1[y] * in_w;
    for (int c = 0; c < nch; ++c) {
        float top = img[(a + x0[x]) * nch + c] * (1.0f - fx) + img[(a + x1[x]) * nch + c] * fx;
        float bot = img[(b + x0[x]) * nch + c] * (1.0f - fx) + img[(b + x1[x]) * nch + c] * fx;
        out[i * nch + c] = top * (1.0f - fy) + bot * fy;
    }
}
"""

KERNELS = (
    "over_u8",
    "over_f32",
    "key_matte",
    "key_rgba",
    "despill_over",
    "key_despill_over",
    "depth_u8",
    "depth_f32",
    "cdl_u8",
    "cdl_f32",
    "lut_u8",
    "lut_f32",
    "resize_u8",
    "resize_f32",
)
