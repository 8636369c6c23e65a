using System.Reflection;
using System.Runtime.InteropServices;
using ILGPU;

namespace Spp.Pruning.Kernels.Ilgpu;

/// <summary>ILGPU binds the CUDA driver API by the library name "cuda" ("nvcuda" on Windows), which
/// .NET probes as libcuda.so; a machine with the driver but no CUDA toolkit has only libcuda.so.1, so
/// without this resolver ILGPU would see no GPU there.</summary>
public static class CudaDriverResolver
{
    static int registered;

    /// <summary>Maps ILGPU's driver imports to libcuda.so.1 when present. Idempotent.</summary>
    public static void Register()
    {
        if (Interlocked.Exchange(ref registered, 1) == 1) return;
        try
        {
            NativeLibrary.SetDllImportResolver(typeof(Context).Assembly, Resolve);
        }
        catch (InvalidOperationException)
        {
            // Another component already set a resolver for ILGPU; it decides how the driver is found.
        }
    }

    static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? path)
    {
        if (name is not ("cuda" or "nvcuda")) return IntPtr.Zero;
        foreach (var candidate in OperatingSystem.IsWindows() ? ["nvcuda.dll"] : new[] { "libcuda.so.1", "libcuda.so" })
            if (NativeLibrary.TryLoad(candidate, out var handle)) return handle;
        // Zero lets .NET probe as usual, which fails cleanly: ILGPU then reports no CUDA device.
        return IntPtr.Zero;
    }
}
