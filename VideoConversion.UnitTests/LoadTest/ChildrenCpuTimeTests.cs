using System.Diagnostics;
using VideoConversion.LoadTest.Processes;

namespace VideoConversion.UnitTests.LoadTest;

public sealed class ChildrenCpuTimeTests
{
    [Fact]
    public async Task A_childs_cpu_time_is_counted_for_its_parent_once_waited_for()
    {
        var before = ChildrenCpuTime.OfThisProcess();
        // A child that only computes: about 0.9 s of CPU on the 2-core machine, however long it waits for a core.
        using var child = Process.Start(new ProcessStartInfo("/bin/sh") { ArgumentList = { "-c", "i=0; while [ $i -lt 600000 ]; do i=$((i+1)); done" } })!;
        await child.WaitForExitAsync();

        var used = ChildrenCpuTime.OfThisProcess() - before;

        // Other tests' children may end meanwhile and add theirs: only the lower bound is this child's alone.
        Assert.True(used >= 0.2, $"The child's CPU time was not counted: {used:F2} s.");
        Assert.Null(ChildrenCpuTime.SecondsOf(child.Id));
        Assert.Null(ChildrenCpuTime.SumOf([Environment.ProcessId, child.Id]));
        Assert.True(ChildrenCpuTime.SumOf([Environment.ProcessId]) >= before + 0.2, "The sum over this process alone is not its own.");
    }
}
