using System.Globalization;
using GpuGen.Data;
using GpuGen.Models.Runner;

namespace GpuGen.Models.Clustering;

/// <summary>Restoring a trained DEC or IDEC model from the checkpoint <c>gpugen train dec|idec</c> wrote, and scoring it.</summary>
public static class DecCheckpoint
{
    /// <summary>
    /// Builds the <see cref="DecModel"/> the checkpoint's metadata describes and loads it. A
    /// checkpoint of another model (an idec one for dec too), one without sizes, or one whose tensors
    /// disagree with its sizes is one clear error, and nothing is left allocated.
    /// </summary>
    public static DecModel Load(string path, DecVariant variant, Device device)
    {
        var meta = new CheckpointMetadata(path, variant == DecVariant.Dec ? "dec" : "idec");
        var hidden = meta.Text("hidden").Split(',').Select(h => int.TryParse(h, CultureInfo.InvariantCulture, out int n) && n > 0
            ? n : throw new GpuGenException($"checkpoint {path}: metadata 'hidden' is not a list of positive sizes")).ToArray();
        return meta.LoadInto(new DecModel(new Generator(0), device, meta.Size("inputs"), meta.Size("clusters"), meta.Size("code"), hidden));
    }

    /// <summary>
    /// Accuracy and NMI of the model's clusters (argmax_j q_ij) on both splits, beside the
    /// k-means scores the run kept: what <c>gpugen eval dec</c> prints.
    /// </summary>
    public static Dictionary<string, object?> Scores(DecModel model, MnistSplit train, MnistSplit test)
    {
        if (model.Inputs != train.PixelsPerImage)
            throw new GpuGenException($"the model takes images of {model.Inputs} pixels, the data has {train.PixelsPerImage}", isUsageError: true);
        var kmeans = model.KMeansScores.ToArray();
        var scores = new Dictionary<string, object?>
        {
            ["train_accuracy_kmeans"] = (double)kmeans[0], ["train_nmi_kmeans"] = (double)kmeans[1],
            ["test_accuracy_kmeans"] = (double)kmeans[2], ["test_nmi_kmeans"] = (double)kmeans[3],
        };
        foreach (var (name, split) in new[] { ("train", train), ("test", test) })
        {
            var (accuracy, nmi) = ClusterAssignments.Score(SoftAssignment.Hard(ClusterAssignments.SoftAssignments(model, split), split.Count, model.Clusters), split);
            scores[$"{name}_accuracy"] = accuracy;
            scores[$"{name}_nmi"] = nmi;
        }
        return scores;
    }
}
