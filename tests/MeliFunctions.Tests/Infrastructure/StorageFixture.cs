using MeliFunctions.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;

namespace MeliFunctions.Tests.Infrastructure;

/// <summary>One real Azurite with the app's tables and queues, shared by the tests of a class.</summary>
public sealed class StorageFixture : IAsyncLifetime
{
    private Azurite? _azurite;

    public StorageClients Storage { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _azurite = await Azurite.StartAsync();
        Storage = new StorageClients(new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["AzureWebJobsStorage"] = _azurite.ConnectionString })
            .Build());
        await new StorageInitializer(Storage, NullLogger<StorageInitializer>.Instance).EnsureCreatedAsync(CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        if (_azurite is not null)
        {
            await _azurite.DisposeAsync();
        }
    }
}
