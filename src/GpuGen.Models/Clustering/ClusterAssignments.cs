using GpuGen.Data;

namespace GpuGen.Models.Clustering;

/// <summary>A model's codes and soft assignments for a whole split, on the host, and their scores against the labels.</summary>
public static class ClusterAssignments
{
    /// <summary>The codes [n, code] of every image of <paramref name="split"/>, row-major.</summary>
    public static float[] Codes(DecModel model, MnistSplit split)
    {
        using var scope = new TensorScope();
        return Training.Codes(model, split, model.Device, model.Code).ToArray();
    }

    /// <summary>q [n, k] of every image of <paramref name="split"/> (eval mode, no gradients), row-major.</summary>
    public static float[] SoftAssignments(DecModel model, MnistSplit split)
    {
        using var scope = new TensorScope();
        return Training.InEvaluationMode(model, () => model.Assign(Training.Codes(model, split, model.Device, model.Code)).ToArray());
    }

    /// <summary>(accuracy, NMI) of hard assignments against the split's labels.</summary>
    public static (double Accuracy, double Nmi) Score(int[] clusters, MnistSplit split) =>
        (ClusteringScores.Accuracy(clusters, split.Labels), ClusteringScores.NormalizedMutualInformation(clusters, split.Labels));

    /// <summary>The fraction of assignments that differ between two clusterings of the same examples.</summary>
    public static double Changed(int[] before, int[] after)
    {
        if (before.Length != after.Length) throw new ArgumentException($"assignments: {before.Length} against {after.Length}");
        int changed = 0;
        for (int i = 0; i < before.Length; i++) if (before[i] != after[i]) changed++;
        return changed / (double)Math.Max(1, before.Length);
    }
}
