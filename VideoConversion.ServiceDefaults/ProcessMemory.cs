namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Gives a service's free memory back to the machine: a blocking, compacting, aggressive collection, which also returns
/// the free parts of the managed heap to the operating system, then a trim of the C heap (<see cref="NativeHeap"/>).
/// Without it a service keeps the heap its busiest moment grew for as long as it sits idle, and idle services share
/// their nodes with busy ones.
/// </summary>
/// <remarks>
/// It takes milliseconds on a service's heap, but stops every thread meanwhile: callers wait for a quiet period first.
/// </remarks>
public static class ProcessMemory
{
    public static void GiveBack()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        // What the collection's finalizers freed in the C heap goes back too, not at the next periodic trim.
        GC.WaitForPendingFinalizers();
        NativeHeap.Trim();
    }
}
