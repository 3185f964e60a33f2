namespace MeliFunctions; internal static class Placeholder { }
