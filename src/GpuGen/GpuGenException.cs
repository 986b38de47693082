namespace GpuGen;

/// <summary>
/// An error in how GpuGen was used or in what it was given (bad shapes, a missing device,
/// corrupt input). Its message is one line that names the problem; the command line prints
/// it as is and exits with code 1.
/// </summary>
public class GpuGenException : Exception
{
    private readonly bool _isUsageError;

    public GpuGenException(string message, bool isUsageError = false) : base(message) => _isUsageError = isUsageError;
    public GpuGenException(string message, Exception inner) : base(message, inner) { }

    /// <summary>True when the request itself was malformed (a usage error: exit code 2),
    /// false when it was well formed but could not be carried out (exit code 1).</summary>
    public virtual bool IsUsageError => _isUsageError;
}

/// <summary>Tensors whose shapes do not fit the op; the message names the op and the shapes.</summary>
public sealed class ShapeMismatchException(string message) : GpuGenException(message);

/// <summary>A device that was asked for is not there (or its name means nothing); the message
/// lists the devices that are.</summary>
public sealed class DeviceNotFoundException(string message, bool isUsageError = false) : GpuGenException(message)
{
    public override bool IsUsageError => isUsageError;
}

/// <summary>Anomaly detection (<see cref="Autograd.DetectAnomaly"/>) found NaN or infinity; the
/// message names the op, forward or backward, that first made it, and its input shapes.</summary>
public sealed class AnomalyException(string message) : GpuGenException(message);
