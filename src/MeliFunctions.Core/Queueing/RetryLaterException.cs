namespace MeliFunctions.Queueing;

/// <summary>
/// Thrown by a Functions queue trigger when Core asked for a retry: the Functions host then makes
/// the message visible again (host.json <c>visibilityTimeout</c>), and Core parks it with its
/// reason once <c>maxDequeueCount</c> is reached.
/// </summary>
public sealed class RetryLaterException : Exception
{
    public RetryLaterException()
    {
    }

    public RetryLaterException(string? message)
        : base(message)
    {
    }

    public RetryLaterException(string? message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
