using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Keel.Cli.Runs;

namespace Keel.Cli.Workers;

/// <summary>
/// A worker that runs a process. The process reads one JSON object on stdin (the step's input, the goal,
/// the data bus and where it runs) and writes its output as JSON on stdout. A non-zero exit code or
/// output that is not JSON fails the attempt, with the end of stderr in the error. On timeout or
/// cancellation the whole process tree is killed. The attempt ends when the process itself exits: what it
/// wrote is read for at most <see cref="Drain"/> more, so a background child that inherited its stdout or
/// stderr (<c>sleep 20 &amp;</c>) cannot hold the attempt open.
/// </summary>
internal static class CommandWorker
{
    private const int StderrTail = 2000;

    /// <summary>The most a command worker may write on stdout, in characters: its output is recorded with the attempt.</summary>
    internal const int MaxOutputChars = 16 * 1024 * 1024;

    /// <summary>How much of stderr is kept (its end) for the error of a failed attempt.</summary>
    private const int StderrKept = 64 * 1024;

    /// <summary>UTF-8 that refuses bytes that are not UTF-8, so a worker's output is never changed silently.</summary>
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>How long output is still read after the process exited (the pipes' buffers hold what it wrote before).</summary>
    internal static readonly TimeSpan Drain = TimeSpan.FromMilliseconds(500);

    /// <summary>Set once a command worker has started a process.</summary>
    private static int _started;

    /// <summary>Kills every process a command worker started that is still running (when the command ends).</summary>
    public static void KillRunning()
    {
        // Most commands start no process: they do not load System.Diagnostics.Process to find that out.
        if (Volatile.Read(ref _started) != 0)
        {
            KillStarted();
        }
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static void KillStarted()
    {
        foreach (var process in Started.Running.Keys)
        {
            Kill(process);
        }
    }

    public static WorkerDefinition Create(WorkerDeclaration declaration)
    {
        var command = declaration.Command ?? throw new KeelException($"Worker '{declaration.WorkerType}': field 'command' is not set.");
        return new WorkerDefinition(
            declaration.WorkerType,
            declaration.WorkerType,
            declaration.Description.Length == 0 ? $"runs {command}" : declaration.Description,
            (input, context, cancellationToken) => RunAsync(declaration, command, input, context, cancellationToken));
    }

    private static async ValueTask<object?> RunAsync(WorkerDeclaration declaration, string command, JsonElement input, WorkflowContext context, CancellationToken cancellationToken)
    {
        // A program named by a relative path (./publish.sh, bin/tool) is this file's, as working_dir is: resolved
        // against the file's folder, not against wherever keel was started. A bare name is looked up on PATH.
        var program = command.Contains('/', StringComparison.Ordinal) && !Path.IsPathRooted(command)
            ? Path.GetFullPath(Path.Combine(declaration.BaseDirectory, command))
            : command;
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = StrictUtf8,
            StandardErrorEncoding = Encoding.UTF8,
            WorkingDirectory = declaration.WorkingDir is { } dir ? Path.GetFullPath(Path.Combine(declaration.BaseDirectory, dir)) : declaration.BaseDirectory,
        };
        foreach (var arg in declaration.Args)
        {
            start.ArgumentList.Add(arg);
        }

        CommandEnvironment.Apply(start.Environment, declaration.InheritEnv);
        var attempt = context.Attempt;
        start.Environment["KEEL_RUN_ID"] = context.RunId;
        start.Environment["KEEL_WORKFLOW"] = context.WorkflowName;
        start.Environment["KEEL_STEP_ID"] = attempt.StepId;
        start.Environment["KEEL_VISIT"] = attempt.Visit.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["KEEL_ATTEMPT"] = attempt.Number.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["KEEL_IDEMPOTENCY_KEY"] = attempt.IdempotencyKey;
        foreach (var (name, value) in declaration.Env)
        {
            start.Environment[name] = value;
        }

        cancellationToken.ThrowIfCancellationRequested();
        using var process = new Process { StartInfo = start };
        try
        {
            Volatile.Write(ref _started, 1);
            process.Start();
            Started.Running.TryAdd(process, 0);
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            throw new KeelException($"command '{command}' of worker '{declaration.WorkerType}' could not be started: {ex.Message}", ex);
        }

        using var kill = cancellationToken.Register(static state => Kill((Process)state!), process);
        var stdout = new OutputCapture(process.StandardOutput, MaxOutputChars);
        var stderr = new OutputCapture(process.StandardError, StderrKept, keepTail: true);
        try
        {
            await process.StandardInput.WriteAsync(Envelope(input, context)).ConfigureAwait(false);
            process.StandardInput.Close();
        }
        catch (IOException)
        {
            // The process exited without reading its input: its exit code and output say what happened.
        }

        await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
        Started.Running.TryRemove(process, out _);
        await OutputCapture.DrainAsync(stdout, stderr, Drain).ConfigureAwait(false);
        var output = stdout.Text;
        var errors = stderr.Text;
        cancellationToken.ThrowIfCancellationRequested();

        if (process.ExitCode != 0)
        {
            throw new KeelException($"command '{command}' exited with code {process.ExitCode}" + Tail(errors));
        }

        if (stdout.Overflowed)
        {
            throw new InvalidWorkerOutputException($"command '{command}' wrote more than {MaxOutputChars / (1024 * 1024)} MiB on stdout, the most a command worker's output may be (it is recorded with the attempt): write large results to a file and output its path" + Tail(errors));
        }

        if (stdout.NotUtf8)
        {
            throw new InvalidWorkerOutputException($"command '{command}' wrote bytes that are not UTF-8 on stdout (expected its output as JSON in UTF-8){(output.Length == 0 ? string.Empty : ", after: " + Shorten(output))}" + Tail(errors));
        }

        if (string.IsNullOrWhiteSpace(output))
        {
            throw new InvalidWorkerOutputException($"command '{command}' wrote nothing on stdout (expected its output as JSON)" + Tail(errors));
        }

        try
        {
            return KeelJson.Parse(output);
        }
        catch (JsonException ex)
        {
            throw new InvalidWorkerOutputException($"command '{command}' wrote invalid JSON on stdout ({ex.Message.Split(" LineNumber:")[0]}): {Shorten(output)}" + Tail(errors), ex);
        }
    }

    private static string Shorten(string output) => (output.Length > 200 ? output[..200] + "..." : output).Trim();

    private static string Envelope(JsonElement input, WorkflowContext context)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, KeelJson.WriterOptions))
        {
            writer.WriteStartObject();
            writer.WritePropertyName("input");
            if (input.ValueKind == JsonValueKind.Undefined)
            {
                writer.WriteNullValue();
            }
            else
            {
                input.WriteTo(writer);
            }

            writer.WriteString("goal", context.Goal);
            writer.WriteString("run_id", context.RunId);
            writer.WriteString("workflow", context.WorkflowName);
            writer.WriteString("step_id", context.Attempt.StepId);
            writer.WriteNumber("visit", context.Attempt.Visit);
            writer.WriteNumber("attempt", context.Attempt.Number);
            writer.WriteString("idempotency_key", context.Attempt.IdempotencyKey);
            if (context.Attempt.PreviousError is { } previous)
            {
                writer.WriteString("previous_error", previous);
            }

            writer.WritePropertyName("data");
            writer.WriteStartObject();
            foreach (var (key, value) in context.Data)
            {
                if (!key.StartsWith(RunTags.Prefix, StringComparison.Ordinal))
                {
                    writer.WritePropertyName(key);
                    value.WriteTo(writer);
                }
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    private static string Tail(string errors)
    {
        errors = errors.Trim();
        if (errors.Length == 0)
        {
            return string.Empty;
        }

        return ": " + (errors.Length > StderrTail ? "..." + errors[^StderrTail..] : errors);
    }

    private static void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (Exception ex) when (ex is InvalidOperationException or System.ComponentModel.Win32Exception or NotSupportedException)
        {
            // Already exited.
        }
    }

    /// <summary>Processes started and not yet exited (a timed-out attempt the hub stopped waiting for may still own one); its own type, so that a command that starts none never creates it.</summary>
    private static class Started
    {
        public static readonly System.Collections.Concurrent.ConcurrentDictionary<Process, byte> Running = new();
    }
}
