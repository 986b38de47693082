using System.CommandLine;
using System.Text.Json;
using GpuGen.Data;
using GpuGen.Models.Clustering;

namespace GpuGen.Cli.Commands;

/// <summary><c>gpugen eval dec|idec</c>: the clustering accuracy and NMI of a trained checkpoint on both splits, beside those of the k-means it started from.</summary>
internal static class ClusteringCheckpointCommands
{
    public static Command Eval(DecVariant variant, TextWriter stdout)
    {
        string name = variant == DecVariant.Dec ? "dec" : "idec";
        var checkpoint = new Option<string>("--checkpoint") { Description = $"A model.safetensors written by 'gpugen train {name}'.", Required = true, HelpName = "file" };
        var data = new Option<string?>("--data") { Description = "mnist (the embedded digits, the default) or the folder of MNIST files the run used.", HelpName = "mnist|dir" };
        var json = new Option<bool>("--json") { Description = "Print one JSON object on stdout." };
        var command = new Command(name, $"Evaluate a {name} checkpoint: clustering accuracy (the best one-to-one map of clusters to labels) and NMI on the training and test digits, after k-means and after {name}.")
        {
            checkpoint, data, json,
        };
        command.SetAction(parse =>
        {
            var device = GlobalOptions.ResolveDevice(parse);
            string path = parse.GetValue(checkpoint)!;
            if (!File.Exists(path)) throw new GpuGenException($"--checkpoint {path}: no such file", isUsageError: true);
            var (train, test) = Mnist.Load(TrainClusteringCommands.DataFolder(parse.GetValue(data)));
            Dictionary<string, object?> scores;
            using (var model = DecCheckpoint.Load(path, variant, device))
            {
                scores = DecCheckpoint.Scores(model, train, test);
                scores["clusters"] = model.Clusters;
            }
            scores["model"] = name;
            scores["checkpoint"] = path;
            if (parse.GetValue(json)) stdout.WriteLine(JsonSerializer.Serialize(scores));
            else
            {
                stdout.WriteLine($"                 accuracy   NMI");
                stdout.WriteLine($"k-means, train    {scores["train_accuracy_kmeans"],6:P1}   {scores["train_nmi_kmeans"]:F3}");
                stdout.WriteLine($"k-means, test     {scores["test_accuracy_kmeans"],6:P1}   {scores["test_nmi_kmeans"]:F3}");
                stdout.WriteLine($"{name + ", train",-17} {scores["train_accuracy"],6:P1}   {scores["train_nmi"]:F3}");
                stdout.WriteLine($"{name + ", test",-17} {scores["test_accuracy"],6:P1}   {scores["test_nmi"]:F3}");
            }
            return GpuGenCli.Ok;
        });
        return command;
    }
}
