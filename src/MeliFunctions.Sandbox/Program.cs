using MeliFunctions.Sandbox;

// dotnet run --project src/MeliFunctions.Sandbox -- --urls http://127.0.0.1:5180
// Options come from the configuration section "Sandbox" (e.g. env Sandbox__CallbackUrl).
var app = SandboxHost.Build(args, options: null, url: null, time: null);
await app.RunAsync();
