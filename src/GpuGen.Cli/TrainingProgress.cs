using System.Diagnostics;
using Spectre.Console;

namespace GpuGen.Cli;

/// <summary>
/// Training progress on stderr: a live bar (epoch, step, loss, examples/s, time left) when
/// stderr is a terminal, one plain line per epoch otherwise (logs, CI, pipes).
/// </summary>
internal sealed class TrainingProgress : IDisposable
{
    private readonly TextWriter _log;
    private readonly string _name;
    private readonly int _epochs, _stepsPerEpoch, _batch;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly ProgressTask? _task;
    private readonly Task? _render;
    private readonly TaskCompletionSource _done = new();
    private int _steps;

    private TrainingProgress(TextWriter log, string name, int epochs, int stepsPerEpoch, int batch, bool live)
    {
        (_log, _name, _epochs, _stepsPerEpoch, _batch) = (log, name, epochs, stepsPerEpoch, batch);
        if (!live) return;
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        var ready = new TaskCompletionSource<ProgressTask>();
        _render = console.Progress().AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .StartAsync(async context =>
            {
                ready.SetResult(context.AddTask(name, maxValue: epochs * stepsPerEpoch));
                await _done.Task;
            });
        _task = ready.Task.Result;
    }

    public static TrainingProgress Start(TextWriter log, string name, int epochs, int stepsPerEpoch, int batch) =>
        new(log, name, epochs, stepsPerEpoch, batch, live: ReferenceEquals(log, Console.Error) && !Console.IsErrorRedirected);

    public void Step(int epoch, int step, double loss)
    {
        _steps++;
        if (_task is null) return;
        _task.Description = $"{_name} epoch {epoch}/{_epochs} step {step}/{_stepsPerEpoch} loss {loss:F2} {_steps * _batch / _clock.Elapsed.TotalSeconds:N0} ex/s";
        _task.Value = _steps;
    }

    public void EndEpoch(int epoch, string summary)
    {
        if (_task is not null) return; // the bar shows it
        double perSecond = _steps * _batch / _clock.Elapsed.TotalSeconds;
        double left = (_epochs * _stepsPerEpoch - _steps) * _clock.Elapsed.TotalSeconds / Math.Max(_steps, 1);
        _log.WriteLine($"{_name} epoch {epoch}/{_epochs}: {summary}; {perSecond:N0} examples/s, {left:F0} s left");
    }

    public void Dispose()
    {
        _done.TrySetResult();
        _render?.Wait();
    }
}
