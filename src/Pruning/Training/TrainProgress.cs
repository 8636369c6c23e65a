namespace Spp.Pruning.Training;

/// <summary>A progress report from a training phase (for progress bars and curves).</summary>
public sealed record TrainProgress(string Phase, long Step, long TotalSteps, double Loss, double Accuracy, float Lr, double ImagesPerSecond);

/// <summary>One point of a training curve; validation figures when measured at that step.</summary>
public sealed record CurvePoint(string Phase, long Step, double TrainLoss, double TrainAccuracy, double? ValAccuracy, double? ValLoss);
