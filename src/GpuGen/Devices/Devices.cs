using System.Collections.Concurrent;

namespace GpuGen;

/// <summary>
/// The registry of devices: what is there, and the one <see cref="Device"/> object per name.
///
/// Names: <c>cpu</c> (host kernels), <c>ilgpu-cpu</c> (ILGPU's CPU accelerator, small groups),
/// <c>ilgpu-cpu-warp32</c> (the same, shaped like a GPU: warp 32, groups of 256), <c>cuda:N</c>
/// and <c>opencl:N</c> (<c>cuda</c> and <c>opencl</c> mean index 0), and <c>auto</c>, which
/// prefers CUDA, then OpenCL, then cpu. In the tests only, <c>opencl-cpu</c>: Mesa's CPU OpenCL
/// driver presented to ILGPU by test support (never picked by auto). The default device is <c>auto</c> unless the
/// environment variable GPUGEN_DEVICE names another.
/// </summary>
public static class Devices
{
    public const string EnvironmentVariable = "GPUGEN_DEVICE";
    public const string Auto = "auto";

    private static readonly Lazy<IReadOnlyList<(DeviceInfo Info, Func<Device> Create)>> Found = new(Discover);
    private static readonly ConcurrentDictionary<string, Lazy<Device>> Opened = new();

    /// <summary>Every device present on this machine, cpu first.</summary>
    public static IReadOnlyList<DeviceInfo> Available => Found.Value.Select(f => f.Info).ToList();

    /// <summary>OpenCL devices found that ILGPU's OpenCL backend cannot use, each with the reason (version or
    /// missing feature), for <c>gpugen devices</c>.</summary>
    public static IReadOnlyList<(string Name, string Reason)> UnusableOpenCL => IlgpuRuntime.UnusableOpenCL;

    /// <summary>Why no OpenCL device can be found at all (ILGPU cannot open the OpenCL loader), or null.</summary>
    public static (string Name, string Reason)? OpenCLLoader => IlgpuRuntime.OpenCLLoader;

    /// <summary>The name <see cref="OpenCLLoader"/> goes by (it is not a device).</summary>
    public const string OpenCLLoaderEntry = IlgpuRuntime.OpenCLLoaderEntry;

    /// <summary>The device name used when none is given: GPUGEN_DEVICE, else <c>auto</c>.</summary>
    public static string DefaultName => DefaultNameFrom(Environment.GetEnvironmentVariable(EnvironmentVariable));

    /// <summary>The default device (see <see cref="DefaultName"/>).</summary>
    public static Device Default => Get(DefaultName);

    /// <summary>The host-kernel device; always present.</summary>
    public static Device Cpu => Get("cpu");

    /// <summary>
    /// The device called <paramref name="name"/> (see the class summary for names). Throws
    /// <see cref="DeviceNotFoundException"/>, listing the devices present, when it is not here.
    /// </summary>
    public static Device Get(string name)
    {
        string resolved;
        try
        {
            resolved = Resolve(name, Available);
        }
        catch (DeviceNotFoundException e) when (!e.IsUsageError && (UnusableOpenCL.Count > 0 || OpenCLLoader is not null))
        {
            // say why an OpenCL device that is there does not count, or why none can be found
            var why = UnusableOpenCL.Select(u => $"OpenCL {u.Name}: {u.Reason}");
            if (OpenCLLoader is { } loader) why = why.Append($"OpenCL: {loader.Reason}");
            throw new DeviceNotFoundException($"{e.Message}; found but unusable: {string.Join("; ", why)}");
        }
        return Opened.GetOrAdd(resolved, n => new Lazy<Device>(() => Found.Value.First(f => f.Info.Name == n).Create())).Value;
    }

    internal static string DefaultNameFrom(string? environmentValue) =>
        string.IsNullOrWhiteSpace(environmentValue) ? Auto : environmentValue.Trim();

    /// <summary>
    /// Turns a requested name into the name of a present device. Pure (given the list of
    /// present devices) so that selection and its errors can be tested without the hardware.
    /// </summary>
    internal static string Resolve(string requested, IReadOnlyList<DeviceInfo> available)
    {
        string name = (requested ?? "").Trim().ToLowerInvariant();
        string present = string.Join(", ", available.Select(d => d.Name));
        if (name == Auto)
        {
            foreach (var kind in new[] { DeviceKind.Cuda, DeviceKind.OpenCL, DeviceKind.Cpu })
            {
                var first = available.FirstOrDefault(d => d.Kind == kind && d.Name != IlgpuRuntime.TestOpenCLName);
                if (first is not null) return first.Name;
            }
            throw new DeviceNotFoundException($"device 'auto': no device is available (present: {present})");
        }
        if (name is "cuda" or "opencl") name += ":0";
        if (available.Any(d => d.Name == name)) return name;

        bool wellFormed = name is "cpu" or "ilgpu-cpu" or "ilgpu-cpu-warp32" or IlgpuRuntime.TestOpenCLName
            || ((name.StartsWith("cuda:", StringComparison.Ordinal) || name.StartsWith("opencl:", StringComparison.Ordinal))
                && int.TryParse(name.AsSpan(name.IndexOf(':') + 1), out int index) && index >= 0);
        if (!wellFormed)
            throw new DeviceNotFoundException(
                $"unknown device '{requested}': expected auto, cpu, ilgpu-cpu, ilgpu-cpu-warp32, cuda[:N] or opencl[:N]; available here: {present}",
                isUsageError: true);
        throw new DeviceNotFoundException($"device '{requested}' is not available here; available devices: {present}");
    }

    private static IReadOnlyList<(DeviceInfo, Func<Device>)> Discover()
    {
        var list = new List<(DeviceInfo, Func<Device>)> { (HostDevice.Describe(), () => new HostDevice()) };
        foreach (var (info, create) in IlgpuRuntime.Enumerate())
            list.Add((info, () => new IlgpuDevice(info, create())));
        return list;
    }
}
