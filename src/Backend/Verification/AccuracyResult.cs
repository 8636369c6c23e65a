namespace Spp.Backend.Verification;

/// <summary>Top-1 and top-5 accuracy over a labeled set (top-5 is null for fewer than 6 classes,
/// where it says nothing).</summary>
public sealed record AccuracyResult(long Count, long Top1Correct, long Top5Correct, int Classes)
{
    public double Top1 => Count == 0 ? 0 : (double)Top1Correct / Count;
    public double? Top5 => Classes > 5 && Count > 0 ? (double)Top5Correct / Count : null;
}
