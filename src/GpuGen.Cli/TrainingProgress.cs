using System.Diagnostics;
using GpuGen.Models.Runner;
using Spectre.Console;

namespace GpuGen.Cli;

/// <summary>
/// Training progress on stderr: on a terminal a live bar (epoch, step, loss, examples/s, time
/// left) with one line per finished epoch above it (train and test loss); otherwise (logs, CI,
/// pipes) one plain line per epoch.
/// </summary>
internal sealed class TrainingProgress : IRunProgress, IDisposable
{
    private readonly TextWriter _log;
    private readonly IAnsiConsole? _console;
    private readonly Stopwatch _clock = new();
    private string _name = "";
    private int _epochs, _stepsPerEpoch, _batch, _steps, _stepsBefore;
    private ProgressTask? _task;
    private Task? _render;
    private readonly TaskCompletionSource _done = new();

    /// <param name="console">A live console for the bar, or null for plain lines.</param>
    internal TrainingProgress(TextWriter log, IAnsiConsole? console) => (_log, _console) = (log, console);

    public static TrainingProgress Start(TextWriter log) =>
        new(log, ReferenceEquals(log, Console.Error) && !Console.IsErrorRedirected
            ? AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) })
            : null);

    public void Start(string model, int epochs, int stepsPerEpoch, int batch, int firstEpoch)
    {
        (_name, _epochs, _stepsPerEpoch, _batch) = (model, epochs, stepsPerEpoch, batch);
        _stepsBefore = (firstEpoch - 1) * stepsPerEpoch; // a resumed run starts part-way
        _clock.Restart();
        if (_console is null) return;
        var ready = new TaskCompletionSource<ProgressTask>();
        _render = _console.Progress().AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask(model, maxValue: Math.Max(1, epochs * stepsPerEpoch));
                task.Value = _stepsBefore;
                ready.SetResult(task);
                await _done.Task;
            });
        _task = ready.Task.Result;
    }

    public void Step(int epoch, int step, double loss)
    {
        _steps++;
        if (_task is null) return;
        _task.Description = $"{_name} epoch {epoch}/{_epochs} step {step}/{_stepsPerEpoch} loss {loss:F2} {ExamplesPerSecond:N0} ex/s";
        _task.Value = _stepsBefore + _steps;
    }

    public void EndEpoch(int epoch, double trainLoss, IReadOnlyList<(string Term, double Value)> test)
    {
        string summary = $"{_name} epoch {epoch}/{_epochs}: train loss {trainLoss:F2}, test loss {Commands.TrainRun.Format(test[0].Value)}";
        if (_console is not null)
        {
            _console.MarkupLine(Markup.Escape(summary)); // printed above the live bar
            return;
        }
        double left = (_epochs * _stepsPerEpoch - _stepsBefore - _steps) * _clock.Elapsed.TotalSeconds / Math.Max(_steps, 1);
        _log.WriteLine($"{summary}; {ExamplesPerSecond:N0} examples/s, {left:F0} s left");
    }

    private double ExamplesPerSecond => _steps * _batch / Math.Max(_clock.Elapsed.TotalSeconds, 1e-9);

    public void Dispose()
    {
        _done.TrySetResult();
        _render?.Wait();
    }
}
