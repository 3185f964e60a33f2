namespace MeliFunctions.Sweeps;

/// <summary>Where a sweep or backfill is in its work, for <see cref="ISweepHooks"/>.</summary>
/// <param name="Kind"><c>pending</c>, <c>changed</c>, <c>stuck</c> or <c>backfill</c>.</param>
/// <param name="Point"><c>page_read</c> (a page was read, nothing queued yet), <c>order_queued</c> (after each order queued) or <c>page_done</c> (every order of the page queued, before the cursor moves).</param>
public sealed record SweepStep(string Kind, string SellerId, int Page, int Offset, string Point, int QueuedInPage);

/// <summary>
/// Called at each step of a sweep and a backfill. The default does nothing; a test registers one
/// that throws (a crash mid-page) or waits (two runs racing for one seller).
/// </summary>
public interface ISweepHooks
{
    ValueTask OnStepAsync(SweepStep step, CancellationToken cancellationToken);
}

internal sealed class NoSweepHooks : ISweepHooks
{
    public ValueTask OnStepAsync(SweepStep step, CancellationToken cancellationToken) => ValueTask.CompletedTask;
}
