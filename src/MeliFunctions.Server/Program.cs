using MeliFunctions.Server;

var app = MeliServer.Build(args);
app.Run();
