using System.Runtime.InteropServices;

namespace GpuGen.Perf;

/// <summary>
/// OpenBLAS through P/Invoke: the CPU baseline (Debian's libopenblas0, `apt-get install
/// libopenblas0`). Used only here, never by GpuGen itself.
/// </summary>
internal static unsafe partial class OpenBlas
{
    private const string Library = "libopenblas.so.0";
    public const int RowMajor = 101, NoTrans = 111, Trans = 112;

    [LibraryImport(Library, EntryPoint = "cblas_sgemm")]
    public static partial void Sgemm(int order, int transA, int transB, int m, int n, int k,
        float alpha, float* a, int lda, float* b, int ldb, float beta, float* c, int ldc);

    [LibraryImport(Library, EntryPoint = "cblas_saxpy")]
    public static partial void Saxpy(int n, float alpha, float* x, int incx, float* y, int incy);

    [LibraryImport(Library, EntryPoint = "cblas_snrm2")]
    public static partial float Snrm2(int n, float* x, int incx);

    /// <summary>Throws a clear error when the library is missing, instead of failing every benchmark obscurely.</summary>
    public static void EnsureLoaded()
    {
        if (!NativeLibrary.TryLoad(Library, out _))
            throw new InvalidOperationException($"{Library} not found: install it with `apt-get install libopenblas0` to run the OpenBLAS baseline");
    }
}
