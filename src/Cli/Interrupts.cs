using System.Runtime.InteropServices;

namespace Spp.Cli;

/// <summary>
/// Ctrl-C (SIGINT) and SIGTERM as a cancellation of training: the first one asks the run to stop at
/// the next step boundary, where it saves its checkpoint and exits with 130; a second one gets the
/// default action (the process ends at once; outputs are written atomically, and the last
/// checkpoint saved on the way stays usable).
/// </summary>
public sealed class Interrupts : IDisposable
{
    private readonly CancellationTokenSource _cts = new();
    private readonly PosixSignalRegistration[] _registrations;

    private Interrupts() =>
        _registrations = [PosixSignalRegistration.Create(PosixSignal.SIGINT, Handle), PosixSignalRegistration.Create(PosixSignal.SIGTERM, Handle)];

    public CancellationToken Token => _cts.Token;

    /// <summary>Starts listening; dispose to restore the default handling.</summary>
    public static Interrupts Listen() => new();

    private void Handle(PosixSignalContext context)
    {
        if (_cts.IsCancellationRequested) return;       // the second signal: default action
        context.Cancel = true;
        Console.Error.WriteLine("sppc: stopping after the current step to save a checkpoint (press Ctrl-C again to stop at once)");
        _cts.Cancel();
    }

    public void Dispose()
    {
        foreach (var r in _registrations) r.Dispose();
        _cts.Dispose();
    }
}
