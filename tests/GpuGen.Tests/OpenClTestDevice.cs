using System.Reflection;
using System.Runtime.InteropServices;
using GpuGen;
using ILGPU.Runtime.OpenCL;

namespace GpuGen.Tests;

/// <summary>
/// The <c>opencl-cpu</c> test device: Mesa's rusticl on its llvmpipe CPU driver, presented to ILGPU's
/// OpenCL backend so that CI runs GpuGen's device kernels through OpenCL without a GPU.
///
/// Why an override: rusticl 22.3 (Debian 12's mesa-opencl-icd) reports OpenCL 3.0 without the generic
/// address space, and ILGPU refuses every such device. Presented as OpenCL 2.0 (where generic pointers
/// are core), ILGPU builds with -cl-std=CL2.0, which llvmpipe compiles and runs. This is done by reflection
/// on two non-public ILGPU setters (CLDevice.DeviceVersion, CLCapabilityContext.GenericAddressSpace) and
/// only here, in test support, for the llvmpipe device: never for a real device.
///
/// .ci/run installs the driver (mesa-opencl-icd, ocl-icd-libopencl1, ocl-icd-opencl-dev for the unversioned
/// libOpenCL.so that .NET loads) and sets GPUGEN_REQUIRE_OPENCL_CPU=1,
/// so that a CI machine without the device fails instead of silently testing less. A developer machine
/// without the driver runs the other devices' cases only.
/// </summary>
public static class OpenClTestDevice
{
    public const string Name = IlgpuRuntime.TestOpenCLName;
    public const string RequireVariable = "GPUGEN_REQUIRE_OPENCL_CPU";

    private static readonly Lazy<bool> Installed = new(Install);

    /// <summary>Whether <c>opencl-cpu</c> is among the devices (installing the presenter first if the ILGPU
    /// context does not exist yet). Throws when CI requires the device and it is absent.</summary>
    public static bool Present
    {
        get
        {
            _ = Installed.Value;
            bool present = GpuGen.Devices.Available.Any(d => d.Name == Name);
            if (!present && Environment.GetEnvironmentVariable(RequireVariable) == "1")
                throw new InvalidOperationException(
                    $"{RequireVariable}=1 but no {Name} device: install mesa-opencl-icd, ocl-icd-libopencl1 and ocl-icd-opencl-dev (libOpenCL.so; .ci/run does); "
                    + $"OpenCL devices refused: {string.Join("; ", IlgpuRuntime.UnusableOpenCL.Select(u => $"{u.Name}: {u.Reason}"))}"
                    + (IlgpuRuntime.OpenCLLoader is { } loader ? $"; {loader.Reason}" : ""));
            return present;
        }
    }

    private static bool Install()
    {
        if (IlgpuRuntime.ContextCreated) return false;
        // The ICD loader and rusticl read these with getenv, which .NET's Environment.SetEnvironmentVariable
        // does not reach on Linux: set them in the C runtime, before the first OpenCL call loads the driver.
        SetNativeDefault("RUSTICL_ENABLE", "llvmpipe");
        SetNativeDefault("OCL_ICD_VENDORS", "/etc/OpenCL/vendors/rusticl.icd");
        IlgpuRuntime.TestOpenCLPresenter = PresentAsOpenCL20;
        return true;
    }

    /// <summary>The one override: rusticl's llvmpipe device, shown to ILGPU as OpenCL 2.0 with the generic
    /// address space. Any other device is left as the driver describes it.</summary>
    private static bool PresentAsOpenCL20(CLDevice device)
    {
        if (device.PlatformName != "rusticl" || !device.Name.StartsWith("llvmpipe", StringComparison.Ordinal)) return false;
        const BindingFlags Any = BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic;
        typeof(CLDevice).GetProperty(nameof(CLDevice.DeviceVersion), Any)!.SetValue(device, CLDeviceVersion.CL20);
        var capabilities = device.Capabilities;
        capabilities.GetType().GetProperty(nameof(capabilities.GenericAddressSpace), Any)!.SetValue(capabilities, true);
        return true;
    }

    private static void SetNativeDefault(string name, string value)
    {
        if (Environment.GetEnvironmentVariable(name) is { Length: > 0 }) return;
        if (setenv(name, value, 0) != 0) throw new InvalidOperationException($"setenv {name} failed");
        Environment.SetEnvironmentVariable(name, value);
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int setenv(string name, string value, int overwrite);
}
