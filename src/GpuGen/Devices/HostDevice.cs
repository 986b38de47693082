using System.Runtime.Intrinsics;
using GpuGen.Backends;
using GpuGen.Backends.Host;
using GpuGen.Kernels.Host;
using GpuGen.Memory;

namespace GpuGen;

/// <summary>The <c>cpu</c> device: tensors in pinned managed arrays, host (SIMD C#) kernels.</summary>
internal sealed class HostDevice : Device
{
    public HostDevice() : base(Describe()) => Backend = new HostBackend();

    internal override IBackend Backend { get; }

    public override void Synchronize() { } // host kernels return when they are done

    private protected override Storage AllocateFromDevice(int capacity) => new HostStorage(this, capacity);

    internal override void CopyFromHost(ReadOnlySpan<float> source, Storage target, int offset) =>
        source.CopyTo(((HostStorage)target).Array.AsSpan(offset, source.Length));

    internal override void CopyToHost(Storage source, int offset, Span<float> target) =>
        ((HostStorage)source).Array.AsSpan(offset, target.Length).CopyTo(target);

    public static DeviceInfo Describe()
    {
        int lanes = Vector512.IsHardwareAccelerated ? Vector512<float>.Count
            : Vector256.IsHardwareAccelerated ? Vector256<float>.Count : 1;
        return new DeviceInfo("cpu", DeviceKind.Cpu, CpuModelName(),
            GC.GetGCMemoryInfo().TotalAvailableMemoryBytes, lanes, HostParallel.WorkerCount);
    }

    private static string CpuModelName()
    {
        const string cpuinfo = "/proc/cpuinfo";
        string? model = null;
        try
        {
            if (File.Exists(cpuinfo))
                model = File.ReadLines(cpuinfo).FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))
                    ?.Split(':', 2)[1].Trim();
        }
        catch (IOException) { } // the name is cosmetic: fall back below
        return $"{model ?? System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture.ToString()}" +
               $" ({Environment.ProcessorCount} threads)";
    }
}

/// <summary>A buffer of the cpu device: a pinned array, so that it never moves under a kernel.</summary>
internal sealed class HostStorage(Device device, int capacity) : Storage(device, capacity)
{
    public float[] Array { get; private set; } = GC.AllocateUninitializedArray<float>(capacity, pinned: true);

    internal override void Free() => Array = [];
}
