using System.CommandLine;
using GpuGen.Cli.Commands;

namespace GpuGen.Cli;

/// <summary>
/// The <c>gpugen</c> command: parsing (System.CommandLine), dispatch, and the error contract:
/// exit 0 when all went well, 1 on a runtime error, 2 on a usage error; an error is one line
/// on stderr, with the stack trace only under <c>--verbose</c>.
/// </summary>
public static class GpuGenCli
{
    public const int Ok = 0, RuntimeError = 1, UsageError = 2;

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var root = Build(stdout, stderr);
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            string message = string.Join(" ", parse.Errors[0].Message.Split(['\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries).Select(p => p.Trim()));
            stderr.WriteLine($"gpugen: error: {message} (see 'gpugen --help')"); // always one line
            return UsageError;
        }
        try
        {
            return parse.Invoke(new InvocationConfiguration
            {
                EnableDefaultExceptionHandler = false,
                Output = stdout,
                Error = stderr,
            });
        }
        catch (Exception e)
        {
            bool verbose = parse.GetValue(GlobalOptions.Verbose);
            var (code, line) = ErrorLine(e);
            stderr.WriteLine(line);
            if (verbose) stderr.WriteLine(e.ToString());
            return code;
        }
    }

    /// <summary>The exit code and the one line an error prints: a GpuGen error's message, or for any
    /// other exception (a bug) its type and message with the hint to get the stack trace.</summary>
    internal static (int Code, string Line) ErrorLine(Exception e) => e switch
    {
        GpuGenException g => (g.IsUsageError ? UsageError : RuntimeError, $"gpugen: error: {OneLine(g.Message)}"),
        _ => (RuntimeError, $"gpugen: internal error: {e.GetType().Name}: {OneLine(e.Message)} (run again with --verbose for the stack trace)"),
    };

    private static string OneLine(string message) =>
        string.Join(" ", message.Split(['\n', '\r'], StringSplitOptions.RemoveEmptyEntries).Select(p => p.Trim()));

    /// <summary>The GAN family's games, each a train, eval and sample command (gan, cgan, wgan, wgan-gp).</summary>
    private static readonly GpuGen.Models.Gan.GanKind[] GanKinds = Enum.GetValues<GpuGen.Models.Gan.GanKind>();

    /// <summary>Adds <paramref name="subcommands"/> to <paramref name="command"/> and returns it.</summary>
    private static Command With(this Command command, IEnumerable<Command> subcommands)
    {
        foreach (var sub in subcommands) command.Add(sub);
        return command;
    }

    internal static RootCommand Build(TextWriter stdout, TextWriter stderr)
    {
        var root = new RootCommand(
            "gpugen: train, sample, evaluate and profile deep generative models on NVIDIA and AMD GPUs " +
            "(ILGPU) or the CPU (SIMD C#), without Python.")
        {
            GlobalOptions.Device,
            GlobalOptions.Verbose,
            VersionCommand.Build(stdout),
            DevicesCommand.Build(stdout),
            BenchDeviceCommand.Build(stdout, stderr),
            BenchKernelsCommand.Build(stdout, stderr),
            ProfileCommand.Build(stdout, stderr),
            SelfTestCommand.Build(stdout, stderr),
            new Command("train", "Train a model: the autoencoders on MNIST (the embedded subset by default), the GANs on 2-D toys or MNIST, DDPM, BFN and Sohl-Dickstein's diffusion on 2-D toys, BFN on binarized MNIST, the joint-embedding methods, DEC/IDEC and the energy-based models.")
            {
                TrainVaeCommand.Build(stdout, stderr),
                TrainFamilyCommands.Autoencoder("ae", stdout, stderr),
                TrainFamilyCommands.Autoencoder("dae", stdout, stderr),
                TrainFamilyCommands.Autoencoder("cae", stdout, stderr),
                TrainFamilyCommands.GumbelVae(stdout, stderr),
                TrainClusteringCommands.Build(GpuGen.Models.Clustering.DecVariant.Dec, stdout, stderr), TrainClusteringCommands.Build(GpuGen.Models.Clustering.DecVariant.Idec, stdout, stderr),
                TrainEnergyCommands.Ebm(stdout, stderr), TrainEnergyCommands.SparseCoding(stdout, stderr),
            }.With(GanKinds.Select(k => TrainGanCommands.Game(k, stdout, stderr))).With([TrainDiffusionCommands.Ddpm(stdout, stderr), TrainDiffusionCommands.Bfn(stdout, stderr), TrainDiffusionCommands.SohlDickstein(stdout, stderr)]).With(TrainJointEmbeddingCommands.All(stdout, stderr)),
            new Command("eval", "Evaluate a trained checkpoint.")
            {
                VaeCheckpointCommands.Eval(stdout, stderr),
                ClusteringCheckpointCommands.Eval(GpuGen.Models.Clustering.DecVariant.Dec, stdout), ClusteringCheckpointCommands.Eval(GpuGen.Models.Clustering.DecVariant.Idec, stdout),
                EbmCheckpointCommands.Eval(stdout, stderr),
            }.With(GanKinds.Select(k => GanCheckpointCommands.Eval(k, stdout, stderr))).With(DiffusionCheckpointCommands.Evals(stdout, stderr)).With(JointEmbeddingCheckpointCommands.Evals(stdout, stderr)),
            new Command("sample", "Draw samples from a trained checkpoint into a PNG picture or a NumPy .npy array.")
            {
                VaeCheckpointCommands.Sample(stdout, stderr),
                EbmCheckpointCommands.Sample(stdout, stderr),
            }.With(GanKinds.Select(k => GanCheckpointCommands.Sample(k, stdout, stderr))).With(DiffusionCheckpointCommands.Samples(stdout, stderr)),
        };
        // A bare `gpugen` prints the help rather than an error.
        root.SetAction(parse => parse.RootCommandResult.Command.Parse("--help").Invoke(
            new InvocationConfiguration { Output = stdout, Error = stderr }));
        return root;
    }
}
