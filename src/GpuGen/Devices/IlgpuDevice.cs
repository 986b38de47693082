using GpuGen.Backends;
using GpuGen.Backends.Ilgpu;
using GpuGen.Memory;
using ILGPU;
using ILGPU.Runtime;

namespace GpuGen;

/// <summary>
/// A device that runs ILGPU device kernels: CUDA, OpenCL or ILGPU's CPU accelerator.
/// Kernels are queued on the accelerator's default stream, in order; transfers to the host
/// wait for them.
/// </summary>
internal sealed class IlgpuDevice : Device
{
    public IlgpuDevice(DeviceInfo info, Accelerator accelerator) : base(info)
    {
        Accelerator = accelerator;
        Backend = new IlgpuBackend(this);
    }

    public Accelerator Accelerator { get; }
    public AcceleratorStream Stream => Accelerator.DefaultStream;

    internal override IBackend Backend { get; }

    public override void Synchronize() => Stream.Synchronize();

    private protected override Storage AllocateFromDevice(int capacity)
    {
        try
        {
            return new IlgpuStorage(this, capacity, Accelerator.Allocate1D<float>(capacity));
        }
        catch (Exception e) when (e is OutOfMemoryException or AcceleratorException)
        {
            // Cached buffers may be what fills the device: give them back and try once more.
            Allocator.ReleaseCached();
            try
            {
                return new IlgpuStorage(this, capacity, Accelerator.Allocate1D<float>(capacity));
            }
            catch (Exception again) when (again is OutOfMemoryException or AcceleratorException)
            {
                throw new GpuGenException(
                    $"{Name}: out of device memory allocating {(long)capacity * sizeof(float):N0} bytes " +
                    $"({Allocator.Stats.BytesInUse:N0} bytes in use by tensors)", again);
            }
        }
    }

    internal override void CopyFromHost(ReadOnlySpan<float> source, Storage target, int offset) =>
        ((IlgpuStorage)target).Buffer.View.SubView(offset, source.Length).CopyFromCPU(Stream, source);

    internal override void CopyToHost(Storage source, int offset, Span<float> target)
    {
        ((IlgpuStorage)source).Buffer.View.SubView(offset, target.Length).CopyToCPU(Stream, target);
        Stream.Synchronize();
    }
}

/// <summary>A buffer of an ILGPU device.</summary>
internal sealed class IlgpuStorage(Device device, int capacity, MemoryBuffer1D<float, Stride1D.Dense> buffer)
    : Storage(device, capacity)
{
    public MemoryBuffer1D<float, Stride1D.Dense> Buffer { get; } = buffer;

    /// <summary>Elements [offset, offset + length) as a view a kernel can take.</summary>
    public ArrayView<float> View(int offset, int length) => Buffer.View.SubView(offset, length);

    internal override void Free() => Buffer.Dispose();
}
