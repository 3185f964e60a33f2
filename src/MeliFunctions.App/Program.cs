using MeliFunctions.Hosting;
using MeliFunctions.Storage;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();
// The queue settings Core needs (maxDequeueCount...) come from the same host.json the Functions host reads.
builder.Configuration.AddJsonFile("host.json", optional: true);
builder.Services.AddMeliCore(builder.Configuration);

var app = builder.Build();
await app.Services.GetRequiredService<StorageInitializer>().EnsureCreatedAsync(CancellationToken.None);
await app.RunAsync();
