/*
 * The kernel work of bench/kbench in plain C, for the bench's native
 * comparison (BENCHMARKS.md, section 8): the same gemv (128×784, with
 * bias) and gemm (32×400×64, with bias) on the same operands, in the same
 * blocking as pwagen's SIMD kernels (kernels/modules/simd.wat), in
 * 128-bit vectors written with GCC's vector extensions: gemv sums four
 * rows at a time in 4 lanes × 2 vectors each; gemm keeps 2 rows × 16
 * columns in registers and adds a[i][p]·b[p][j] in the order p = 0, 1,
 * ..., as Go does. The bench compiles it with gcc -O3 -msse4.2 (128-bit
 * SSE, no FMA: what WebAssembly SIMD has) and with gcc -O3 -march=native
 * (the same vectors with this CPU's encodings, and fused multiply-adds
 * where it has them).
 *
 * Usage: kernels RUNS. Prints "gemv US" and "gemm US": the median
 * microseconds per call over RUNS batches of about 100 ms, after one.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { GEMV_M = 128, GEMV_N = 784, GEMM_M = 32, GEMM_K = 400, GEMM_N = 64 };

static float *fill(int n, int seed) {
	float *v = aligned_alloc(64, ((n * sizeof(float) + 63) / 64) * 64);
	for (int i = 0; i < n; i++) v[i] = (float)(0.5 * sin((double)(seed + i)));
	return v;
}

/* v4 is a 128-bit vector of four floats (GCC's and Clang's vector
 * extensions): what WebAssembly's f32x4 is. */
typedef float v4 __attribute__((vector_size(16)));

static inline v4 load(const float *p) {
	v4 v;
	memcpy(&v, p, sizeof v);
	return v;
}

static inline void store(float *p, v4 v) { memcpy(p, &v, sizeof v); }

static inline float hsum(v4 v) { return (v[0] + v[1]) + (v[2] + v[3]); }

/* gemv: y = a·x + b. Four rows at a time share each load of x, eight
 * columns a step in two vectors per row; the columns and rows left over
 * run one by one. */
static void gemv(float *restrict y, const float *restrict a, const float *restrict x, const float *restrict b, int m, int n) {
	int i = 0;
	for (; i + 4 <= m; i += 4) {
		const float *r0 = a + (size_t)i * n, *r1 = r0 + n, *r2 = r1 + n, *r3 = r2 + n;
		v4 s0 = {0}, s1 = {0}, s2 = {0}, s3 = {0}, t0 = {0}, t1 = {0}, t2 = {0}, t3 = {0};
		int j = 0;
		for (; j + 8 <= n; j += 8) {
			v4 x0 = load(x + j), x1 = load(x + j + 4);
			s0 += load(r0 + j) * x0, t0 += load(r0 + j + 4) * x1;
			s1 += load(r1 + j) * x0, t1 += load(r1 + j + 4) * x1;
			s2 += load(r2 + j) * x0, t2 += load(r2 + j + 4) * x1;
			s3 += load(r3 + j) * x0, t3 += load(r3 + j + 4) * x1;
		}
		float r[4] = {hsum(s0 + t0), hsum(s1 + t1), hsum(s2 + t2), hsum(s3 + t3)};
		for (int q = 0; q < 4; q++) {
			const float *row = a + (size_t)(i + q) * n;
			for (int jj = j; jj < n; jj++) r[q] += row[jj] * x[jj];
			y[i + q] = b[i + q] + r[q];
		}
	}
	for (; i < m; i++) {
		const float *row = a + (size_t)i * n;
		float t = 0;
		for (int j = 0; j < n; j++) t += row[j] * x[j];
		y[i] = b[i] + t;
	}
}

/* gemm: c (m×n) = a (m×k) · b (k×n) + bias (one per row). Two rows by
 * sixteen columns stay in eight vectors while p runs over k; the columns
 * and the row left over run one by one. Each value starts at its bias and
 * adds a[i][p]·b[p][j] for p = 0, 1, ... */
static void gemm(float *restrict c, const float *restrict a, const float *restrict b, const float *restrict bias, int m, int k, int n) {
	int i = 0;
	for (; i + 2 <= m; i += 2) {
		const float *a0 = a + (size_t)i * k, *a1 = a0 + k;
		float *c0 = c + (size_t)i * n, *c1 = c0 + n;
		int j = 0;
		for (; j + 16 <= n; j += 16) {
			v4 p0 = {0}, p1, p2, p3, q0, q1, q2, q3;
			p0 += bias[i], q0 = (v4){0} + bias[i + 1];
			p1 = p2 = p3 = p0, q1 = q2 = q3 = q0;
			for (int p = 0; p < k; p++) {
				const float *br = b + (size_t)p * n + j;
				v4 b0 = load(br), b1 = load(br + 4), b2 = load(br + 8), b3 = load(br + 12);
				v4 x0 = (v4){0} + a0[p], x1 = (v4){0} + a1[p];
				p0 += x0 * b0, p1 += x0 * b1, p2 += x0 * b2, p3 += x0 * b3;
				q0 += x1 * b0, q1 += x1 * b1, q2 += x1 * b2, q3 += x1 * b3;
			}
			store(c0 + j, p0), store(c0 + j + 4, p1), store(c0 + j + 8, p2), store(c0 + j + 12, p3);
			store(c1 + j, q0), store(c1 + j + 4, q1), store(c1 + j + 8, q2), store(c1 + j + 12, q3);
		}
		for (int r = 0; r < 2; r++)
			for (int jj = j; jj < n; jj++) {
				float v = bias[i + r];
				for (int p = 0; p < k; p++) v += a[(size_t)(i + r) * k + p] * b[(size_t)p * n + jj];
				c[(size_t)(i + r) * n + jj] = v;
			}
	}
	for (; i < m; i++)
		for (int j = 0; j < n; j++) {
			float v = bias[i];
			for (int p = 0; p < k; p++) v += a[(size_t)i * k + p] * b[(size_t)p * n + j];
			c[(size_t)i * n + j] = v;
		}
}

static double now(void) {
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec * 1e-9;
}

static int cmp(const void *p, const void *q) {
	double a = *(const double *)p, b = *(const double *)q;
	return (a > b) - (a < b);
}

static volatile float sink;
static float *A, *X, *B, *Y, *GA, *GB, *GBIAS, *GC;

static void run_gemv(void) { gemv(Y, A, X, B, GEMV_M, GEMV_N); sink = Y[GEMV_M - 1]; }
static void run_gemm(void) { gemm(GC, GA, GB, GBIAS, GEMM_M, GEMM_K, GEMM_N); sink = GC[GEMM_M * GEMM_N - 1]; }

/* timeit returns the median µs per call of f over runs batches of about
 * 100 ms, after a warm-up batch. */
static double timeit(void (*f)(void), int runs) {
	double t0 = now();
	f();
	double one = now() - t0;
	long reps = (long)(0.1 / (one > 1e-7 ? one : 1e-7));
	if (reps < 1) reps = 1;
	double *per = malloc(sizeof(double) * runs);
	for (int r = 0; r <= runs; r++) {
		t0 = now();
		for (long i = 0; i < reps; i++) f();
		if (r > 0) per[r - 1] = (now() - t0) * 1e6 / reps;
	}
	qsort(per, runs, sizeof(double), cmp);
	double med = runs % 2 ? per[runs / 2] : (per[runs / 2 - 1] + per[runs / 2]) / 2;
	free(per);
	return med;
}

int main(int argc, char **argv) {
	int runs = argc > 1 ? atoi(argv[1]) : 5;
	if (runs < 1) runs = 1;
	A = fill(GEMV_M * GEMV_N, 1), X = fill(GEMV_N, 2), B = fill(GEMV_M, 3), Y = fill(GEMV_M, 0);
	GA = fill(GEMM_M * GEMM_K, 4), GB = fill(GEMM_K * GEMM_N, 5), GBIAS = fill(GEMM_M, 6), GC = fill(GEMM_M * GEMM_N, 0);
	printf("gemv %.4f\n", timeit(run_gemv, runs));
	printf("gemm %.4f\n", timeit(run_gemm, runs));
	printf("check %.6f %.6f\n", Y[GEMV_M - 1], GC[GEMM_M * GEMM_N - 1]);
	return 0;
}
