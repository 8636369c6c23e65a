namespace Spp.Pruning.Methods;

/// <summary>The per-unit values of one group (SPP probabilities, IncReg's λ, Taylor importances) at
/// one step, for the report's plots.</summary>
public sealed record MethodTrace(long Step, int Group, double[] Values);
