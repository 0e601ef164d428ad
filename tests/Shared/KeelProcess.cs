using System.Diagnostics;
using System.Text;

namespace Keel.Testing;

/// <summary>The built keel command (Keel.Cli.dll), run with dotnet as a real process in a folder of its own (shared by the test projects that run it).</summary>
internal sealed class KeelProcess
{
    /// <summary>
    /// The keel command in its own build output (src/Keel.Cli/bin/{configuration}/{framework}), with its own
    /// dependency manifest: the copy beside a test project that references the ASP.NET Core framework lacks the
    /// package assemblies that framework already holds, so it cannot start on its own. Falls back to the copy.
    /// </summary>
    public static string Dll
    {
        get
        {
            var framework = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            var configuration = framework.Parent;
            var own = configuration is null
                ? null
                : Path.Combine(RepositoryRoot, "src", "Keel.Cli", "bin", configuration.Name, framework.Name, "Keel.Cli.dll");
            return own is not null && File.Exists(own) ? own : Path.Combine(AppContext.BaseDirectory, "Keel.Cli.dll");
        }
    }

    public static string Examples => Path.Combine(RepositoryRoot, "examples", "workflows");

    public static string RepositoryRoot
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Keel.sln")))
            {
                dir = dir.Parent;
            }

            return dir?.FullName ?? throw new InvalidOperationException("Keel.sln not found above " + AppContext.BaseDirectory);
        }
    }

    /// <summary>
    /// A natively compiled keel to run instead of <c>dotnet Keel.Cli.dll</c>, from <c>KEEL_TEST_NATIVE_CLI</c>
    /// (the path of a <c>-p:PublishAot=true</c> publish); null when unset. .ci/run sets it for a second pass
    /// of the command's tests.
    /// </summary>
    public static string? Native => Environment.GetEnvironmentVariable("KEEL_TEST_NATIVE_CLI") is { Length: > 0 } path ? path : null;

    public static ProcessStartInfo StartInfo(string workingDirectory, params string[] args)
    {
        var native = Native;
        var start = new ProcessStartInfo(native ?? "dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        if (native is null)
        {
            start.ArgumentList.Add(Dll);
        }

        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment.Remove("KEEL_STORE");
        foreach (var name in ModelVariables)
        {
            start.Environment.Remove(name);
        }

        return start;
    }

    /// <summary>The variables that configure a model: removed from every child, so only a test's own settings count.</summary>
    public static readonly string[] ModelVariables = ["KEEL_MODEL", "OPENAI_API_KEY", "OPENAI_BASE_URL", "OLLAMA_HOST", "AZURE_OPENAI_ENDPOINT", "AZURE_OPENAI_API_KEY"];

    /// <summary>Runs keel with extra environment variables (a model configuration).</summary>
    public static Task<Result> RunAsync(string workingDirectory, IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var start = StartInfo(workingDirectory, args);
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        return RunAsync(start, args);
    }

    /// <summary>Runs keel to its end (a generous limit guards against a hang) and returns exit code, stdout and stderr.</summary>
    public static Task<Result> RunAsync(string workingDirectory, params string[] args) => RunAsync(StartInfo(workingDirectory, args), args);

    private static async Task<Result> RunAsync(ProcessStartInfo start, string[] args)
    {
        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"keel {string.Join(' ', args)} did not end: {await stdout} {await stderr}");
        }

        return new Result(process.ExitCode, await stdout, await stderr);
    }

    internal sealed record Result(int ExitCode, string Out, string Error)
    {
        public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Out}\n--- stderr\n{Error}";
    }
}
