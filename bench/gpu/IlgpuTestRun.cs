using System.Reflection;
using Spp.Pruning.Tests.Ilgpu;
using Xunit;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Spp.Bench.Gpu;

/// <summary>Runs the test project's ILGPU tests in-process through xunit's own test framework
/// (discover, then execute), since a GPU machine has neither the SDK's `dotnet test` nor, in this
/// project's package mirror, xunit's runner library.</summary>
public static class IlgpuTestRun
{
    public static int Run(string device)
    {
        Environment.SetEnvironmentVariable(IlgpuFixture.DeviceVariable, device == "cuda" ? "cuda" : null);
        var assembly = typeof(IlgpuFixture).Assembly;
        var ns = typeof(IlgpuFixture).Namespace + ".";
        using var framework = new XunitTestFramework(new Sink());
        var discovery = new Sink();
        using (var discoverer = framework.GetDiscoverer(Reflector.Wrap(assembly)))
        {
            discoverer.Find(false, discovery, new Options());
            discovery.Finished.Wait();
        }
        var cases = discovery.Cases.Where(c => c.TestMethod.TestClass.Class.Name.StartsWith(ns, StringComparison.Ordinal)).ToList();
        var execution = new Sink();
        using (var executor = framework.GetExecutor(assembly.GetName()))
        {
            var options = new Options();
            options.SetValue("xunit.execution.DisableParallelization", true);
            executor.RunTests(cases, execution, options);
            execution.Finished.Wait();
        }
        Console.WriteLine($"{cases.Count} test cases on {device} in {execution.Seconds:F1} s");
        Console.WriteLine($"ilgpu: {execution.Passed} passed, {execution.Failed} failed");
        return execution.Failed == 0 && execution.Passed > 0 ? 0 : 1;
    }

    /// <summary>Collects discovered cases and counts results; Finished is set by the closing message.</summary>
    sealed class Sink : LongLivedMarshalByRefObject, IMessageSink
    {
        public List<ITestCase> Cases { get; } = [];
        public ManualResetEventSlim Finished { get; } = new();
        public int Passed, Failed;
        public decimal Seconds;

        public bool OnMessage(IMessageSinkMessage message)
        {
            switch (message)
            {
                case ITestCaseDiscoveryMessage d: Cases.Add(d.TestCase); break;
                case IDiscoveryCompleteMessage: Finished.Set(); break;
                case ITestPassed: Interlocked.Increment(ref Passed); break;
                case ITestFailed f:
                    Interlocked.Increment(ref Failed);
                    Console.WriteLine($"FAIL {f.Test.DisplayName}: {string.Join(" | ", f.Messages)}");
                    break;
                case ITestAssemblyFinished a:
                    Seconds = a.ExecutionTime;
                    Finished.Set();
                    break;
            }
            return true;
        }
    }

    /// <summary>Discovery and execution options: a name-value bag, unset names reading as default.</summary>
    sealed class Options : ITestFrameworkDiscoveryOptions, ITestFrameworkExecutionOptions
    {
        readonly Dictionary<string, object?> values = [];

        public TValue GetValue<TValue>(string name) => values.TryGetValue(name, out var v) && v is TValue t ? t : default!;

        public void SetValue<TValue>(string name, TValue value) => values[name] = value;
    }
}
