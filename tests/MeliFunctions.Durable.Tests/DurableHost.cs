using System.Net;
using System.Net.Sockets;
using Microsoft.DurableTask.Testing;
using Microsoft.DurableTask.Worker;
using Microsoft.DurableTask.Worker.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace MeliFunctions.Durable.Tests;

/// <summary>
/// The Durable Task engine in-process (<see cref="DurableTaskTestHost"/>: the in-memory backend
/// behind the SDK's gRPC sidecar, a worker and a client) on a free loopback port, running the
/// App's orchestration with the activities of <paramref name="cases"/>.
/// </summary>
public static class DurableHost
{
    public static async Task<(DurableTaskTestHost Host, int Port)> StartAsync(InMemoryFraudCases cases)
    {
        var port = FreePort();
        var host = await DurableTaskTestHost.StartAsync(tasks => cases.Register(tasks, "first worker"), new DurableTaskTestHostOptions { Port = port });
        return (host, port);
    }

    /// <summary>Stops the host's worker: the backend keeps the histories and takes no more work until a worker connects.</summary>
    public static async Task StopWorkerAsync(DurableTaskTestHost host)
    {
        var worker = host.Services.GetServices<IHostedService>().OfType<DurableTaskWorker>().Single();
        await worker.StopAsync(CancellationToken.None);
    }

    /// <summary>A new worker, in a host of its own (nothing shared with the first but the backend), connected to the same backend.</summary>
    public static async Task<IHost> StartWorkerAsync(int port, InMemoryFraudCases cases, string name)
    {
        var worker = Host.CreateDefaultBuilder()
            .ConfigureLogging(logging => logging.ClearProviders())
            .ConfigureServices(services => services.AddDurableTaskWorker(builder =>
            {
                builder.UseGrpc($"http://localhost:{port}");
                builder.AddTasks(tasks => cases.Register(tasks, name));
            }))
            .Build();
        await worker.StartAsync();
        return worker;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
