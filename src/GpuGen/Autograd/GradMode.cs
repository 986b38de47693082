namespace GpuGen;

/// <summary>
/// Whether ops record themselves on the tape (per thread). Off inside <see cref="Autograd.NoGrad"/>
/// and while a backward pass runs without createGraph.
/// </summary>
internal static class GradMode
{
    [ThreadStatic] private static int _disabledDepth;

    public static bool Enabled => _disabledDepth == 0;

    public static IDisposable Disable() => new Toggle(+1);

    /// <summary>Records even inside a NoGrad region (a backward pass with createGraph).</summary>
    public static IDisposable Force() => new Toggle(-_disabledDepth);

    private sealed class Toggle : IDisposable
    {
        private readonly int _delta;
        private bool _done;

        public Toggle(int delta)
        {
            _delta = delta;
            _disabledDepth += delta;
        }

        public void Dispose()
        {
            if (_done) return;
            _done = true;
            _disabledDepth -= _delta;
        }
    }
}
