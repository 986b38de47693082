namespace GpuGen.Models.EnergyBased;

/// <summary>
/// Du &amp; Mordatch's replay buffer over a tensor [size, D] that lives on the device (the model's
/// "replay" buffer, so checkpoints keep it): each training iteration starts its Langevin chains
/// from rows drawn uniformly from the buffer with probability <see cref="FromBuffer"/> (95%), and
/// from fresh uniform noise on the domain otherwise, then writes the chains' final states back as a
/// first-in first-out ring. Persistent chains that grow longer across iterations is what lets a
/// short run of K steps per iteration reach samples that K steps from noise could not.
/// </summary>
public sealed class ReplayBuffer(Tensor storage, SampleDomain domain, float fromBuffer = ReplayBuffer.DefaultFromBuffer)
{
    public const float DefaultFromBuffer = 0.95f;

    public Tensor Storage { get; } = storage;
    public int Size => Storage.Shape[0];
    public float FromBuffer { get; } = fromBuffer is >= 0 and <= 1 ? fromBuffer : throw new ArgumentOutOfRangeException(nameof(fromBuffer), fromBuffer, "a probability");

    /// <summary>
    /// n chain starts [n, D] (a new tensor of the current scope): row i is buffer row r_i (r_i uniform
    /// on the rows) when a Bernoulli(FromBuffer) draw is 1, else uniform noise on the domain. Three
    /// draws from <paramref name="stream"/>, in this order: the rows, the noise, the choices.
    /// </summary>
    public Tensor Draw(int n, Generator stream)
    {
        using var noGrad = Autograd.NoGrad();
        var device = Storage.Device;
        var rows = Ops.RandomIntegers(Shape.Of(n), Size, stream, device);
        var stored = Ops.IndexSelect(Storage, rows);
        var fresh = Ops.Uniform(Shape.Of(n, domain.Dim), stream, device, domain.Low, domain.High);
        var keep = Ops.Bernoulli(Tensor.Full(Shape.Of(n, 1), FromBuffer, device), stream);
        return Ops.Where(keep, stored, fresh); // keep broadcast over the row: each start is exactly a stored row or fresh noise
    }

    /// <summary>Writes <paramref name="samples"/> [n, D] into rows position, position + 1, … (mod the
    /// size) in place: the oldest rows are replaced first when position counts the rows written so far.</summary>
    public void Store(Tensor samples, long position)
    {
        using var noGrad = Autograd.NoGrad();
        int n = samples.Shape[0];
        if (n > Size) // only the last Size rows would survive the ring
        {
            Store(samples.Slice(n - Size, Size), position + n - Size);
            return;
        }
        int start = (int)(position % Size), first = Math.Min(n, Size - start);
        Ops.Copy(samples.Slice(0, first), Storage.Slice(start, first));
        if (first < n) Ops.Copy(samples.Slice(first, n - first), Storage.Slice(0, n - first));
    }
}
