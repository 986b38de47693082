using System.CommandLine;
using System.Text.Json;
using GpuGen.Data;
using GpuGen.Models.SelfSupervised;

namespace GpuGen.Cli.Commands;

/// <summary><c>gpugen eval simclr|moco|vicreg|byol|swav --checkpoint F</c>: the probes of a trained encoder,
/// beside raw pixels and a randomly initialised encoder.</summary>
internal static class JointEmbeddingCheckpointCommands
{
    public static IEnumerable<Command> Evals(TextWriter stdout, TextWriter stderr) =>
        JointEmbeddingSettings.Names.Values.Select(m => Eval(m, stdout, stderr));

    private static Command Eval(JointEmbeddingMethod method, TextWriter stdout, TextWriter stderr)
    {
        string name = JointEmbeddingSettings.NameOf(method);
        var checkpoint = new Option<string>("--checkpoint") { Description = $"A model.safetensors written by 'gpugen train {name}'.", Required = true, HelpName = "file" };
        var probe = new Option<string>("--probe") { Description = "linear (logistic regression on the frozen features), knn (5 nearest by cosine) or both.", DefaultValueFactory = _ => "both" };
        TrainOptions.OneOf(probe, "linear", "knn", "both");
        var data = new Option<string?>("--data") { Description = "The folder of MNIST files the run used. Default: the embedded subset.", HelpName = "dir" };
        var seed = new Option<ulong>("--seed") { Description = "The training run's --seed (the random encoder compared is seed + 99).", DefaultValueFactory = _ => 0UL };
        var json = new Option<bool>("--json") { Description = "Print one JSON object on stdout." };
        var command = new Command(name, $"Score a {name} encoder by a linear and a k-NN probe on the test split, beside the same probes on raw pixels and on a randomly initialised encoder.")
        {
            checkpoint, probe, data, seed, json,
        };
        command.SetAction(parse =>
        {
            var device = GlobalOptions.ResolveDevice(parse);
            string path = parse.GetValue(checkpoint)!;
            var (train, test) = Mnist.Load(parse.GetValue(data));
            string which = parse.GetValue(probe)!;
            Dictionary<string, object?> metrics;
            using (var model = JointEmbeddingModels.Load(path, method, device))
                metrics = JointEmbeddingPlan.FinalMetrics(model, train, test, device, parse.GetValue(seed), linear: which != "knn", knn: which != "linear");
            metrics["model"] = name;
            metrics["checkpoint"] = path;
            if (parse.GetValue(json))
            {
                stdout.WriteLine(JsonSerializer.Serialize(metrics));
                return GpuGenCli.Ok;
            }
            stdout.WriteLine($"{"probe",-22}{name,10}{"raw pixels",12}{"random enc.",13}");
            foreach (var (label, key) in new[] { ("linear, test", "linear_probe_test_accuracy"), ("linear, train", "linear_probe_train_accuracy"), ("5-NN (cosine), test", "knn_probe_test_accuracy") })
                if (metrics.ContainsKey(key))
                    stdout.WriteLine($"{label,-22}{metrics[key],10:P2}{metrics["raw_pixels_" + key],12:P2}{metrics["random_encoder_" + key],13:P2}");
            stdout.WriteLine($"effective rank        {metrics["effective_rank"],10:F1}{"",12}{metrics["random_encoder_effective_rank"],13:F1}");
            return GpuGenCli.Ok;
        });
        return command;
    }
}
