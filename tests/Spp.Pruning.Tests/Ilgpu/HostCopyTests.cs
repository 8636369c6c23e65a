using System.Diagnostics;

namespace Spp.Pruning.Tests.Ilgpu;

/// <summary>
/// Upload and Download pin the managed arrays they copy: ILGPU's CopyFromCPU / CopyToCPU(ref T, length) take the
/// address unpinned, and a compacting collection during the copy moved the array away from under it (ILGPU-cpu
/// tests read wrong outputs now and then; a loop like this one also crashed the process).
/// </summary>
[Collection(IlgpuCollection.Name)]
public class HostCopyTests(IlgpuFixture f)
{
    [Fact]
    public void RoundTripsSurviveCompactingCollections()
    {
        const int Length = 4096;
        using var buffer = f.Gpu.Allocate(Length);
        bool stop = false;
        // Another thread forces a young-generation collection (which moves the arrays it keeps) about every
        // millisecond while the copies run: unpinned, 10-14 of about 155,000 round trips in 3 s came back wrong.
        var collector = new Thread(() =>
        {
            var keep = new List<byte[]>();
            var random = new Random(1);
            while (!Volatile.Read(ref stop))
            {
                keep.Add(new byte[random.Next(100, 20_000)]);
                if (keep.Count > 200) keep.RemoveRange(0, 100);
                GC.Collect(0, GCCollectionMode.Forced, blocking: true);
                Thread.Sleep(1);
            }
        });
        collector.Start();
        int trips = 0, wrong = 0;
        try
        {
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed.TotalSeconds < 3)
            {
                var shift = new byte[(int)(trips * 7919L % 5000) + 10]; // varies where the next arrays land
                var source = new float[Length];
                for (int i = 0; i < Length; i++) source[i] = trips + i;
                var back = new float[Length];
                f.Gpu.Upload(source, buffer);
                f.Gpu.Download(buffer, back);
                for (int i = 0; i < Length; i++)
                    if (back[i] != trips + i)
                    {
                        wrong++;
                        break;
                    }
                trips++;
                GC.KeepAlive(shift);
            }
        }
        finally
        {
            Volatile.Write(ref stop, true);
            collector.Join();
        }
        Assert.True(trips > 1000, $"only {trips} round trips ran");
        Assert.Equal(0, wrong);
    }
}
