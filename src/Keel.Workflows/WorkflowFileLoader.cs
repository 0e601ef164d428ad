namespace Keel;

/// <summary>
/// Reads a workflow file (YAML, or JSON by its <c>.json</c> extension or a leading <c>{</c>), checks its
/// shape, then the core's validation of the definition, and reports every problem with its position.
/// </summary>
internal static class WorkflowFileLoader
{
    public static WorkflowReadResult Load(string path, WorkflowReadOptions? options = null)
    {
        options ??= WorkflowReadOptions.Default;
        var problems = new List<WorkflowFileProblem>();
        var display = path;
        string text;
        string fullPath;
        try
        {
            fullPath = System.IO.Path.GetFullPath(path);
            if (Directory.Exists(fullPath))
            {
                problems.Add(new WorkflowFileProblem(display, 0, 0, "is a directory, not a workflow file"));
                return new WorkflowReadResult(null, problems);
            }

            var info = new FileInfo(fullPath);
            if (info.Exists && info.Length > options.MaxFileBytes)
            {
                problems.Add(new WorkflowFileProblem(display, 0, 0, $"the file is {info.Length} bytes, larger than the limit of {options.MaxFileBytes}"));
                return new WorkflowReadResult(null, problems);
            }

            if (ReadBounded(display, fullPath, options.MaxFileBytes, problems) is not { } read)
            {
                return new WorkflowReadResult(null, problems);
            }

            text = read;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            problems.Add(new WorkflowFileProblem(display, 0, 0, ex is FileNotFoundException or DirectoryNotFoundException ? "no such file" : "cannot be read: " + ex.Message));
            return new WorkflowReadResult(null, problems);
        }

        return Parse(display, fullPath, text, options, problems);
    }

    /// <summary>
    /// The file's text, read no further than the limit (a device or a pipe has no length to check first:
    /// <c>/dev/zero</c> is refused after the limit, not read until memory runs out), decoded strictly: bytes
    /// that are not UTF-8 (or UTF-16 after its byte order mark) are a problem at their line, not replaced.
    /// </summary>
    private static string? ReadBounded(string display, string fullPath, long maxBytes, List<WorkflowFileProblem> problems)
    {
        byte[] bytes;
        using (var stream = new FileStream(fullPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 4096, FileOptions.SequentialScan))
        {
            var buffer = new MemoryStream();
            var chunk = new byte[16 * 1024];
            int count;
            while ((count = stream.Read(chunk, 0, chunk.Length)) > 0)
            {
                buffer.Write(chunk, 0, count);
                if (buffer.Length > maxBytes)
                {
                    problems.Add(new WorkflowFileProblem(display, 0, 0, $"more than the limit of {maxBytes} bytes was read from it (a device or a pipe that does not end?)"));
                    return null;
                }
            }

            bytes = buffer.ToArray();
        }

        var (encoding, skip) = bytes switch
        {
            [0xEF, 0xBB, 0xBF, ..] => ((System.Text.Encoding)new System.Text.UTF8Encoding(false, true), 3),
            [0xFF, 0xFE, ..] => (new System.Text.UnicodeEncoding(false, false, true), 2),
            [0xFE, 0xFF, ..] => (new System.Text.UnicodeEncoding(true, false, true), 2),
            _ => (new System.Text.UTF8Encoding(false, true), 0),
        };
        try
        {
            return encoding.GetString(bytes, skip, bytes.Length - skip);
        }
        catch (System.Text.DecoderFallbackException ex)
        {
            var at = Math.Clamp(skip + Math.Max(ex.Index, 0), 0, bytes.Length);
            var line = 1;
            var lineStart = 0;
            for (var i = 0; i < at; i++)
            {
                if (bytes[i] == (byte)'\n')
                {
                    line++;
                    lineStart = i + 1;
                }
            }

            problems.Add(new WorkflowFileProblem(display, line, at - lineStart + 1, $"is not UTF-8 text: byte 0x{bytes[at < bytes.Length ? at : bytes.Length - 1]:X2} at byte {at - lineStart + 1} of the line (save the file as UTF-8)"));
            return null;
        }
    }

    public static WorkflowReadResult Parse(string display, string fullPath, string text, WorkflowReadOptions? options = null, List<WorkflowFileProblem>? problems = null, WorkflowFormat? format = null)
    {
        options ??= WorkflowReadOptions.Default;
        problems ??= [];
        if (System.Text.Encoding.UTF8.GetMaxByteCount(text.Length) > options.MaxFileBytes && System.Text.Encoding.UTF8.GetByteCount(text) > options.MaxFileBytes)
        {
            problems.Add(new WorkflowFileProblem(display, 0, 0, $"the text is larger than the limit of {options.MaxFileBytes} bytes"));
            return new WorkflowReadResult(null, problems);
        }

        var isJson = format is { } given ? given == WorkflowFormat.Json : fullPath.EndsWith(".json", StringComparison.OrdinalIgnoreCase) || text.TrimStart().StartsWith('{');
        var root = isJson ? JsonDocReader.Read(display, text, options, problems) : YamlDocReader.Read(display, text, options, problems);
        if (root is null)
        {
            return new WorkflowReadResult(null, problems);
        }

        var parser = new WorkflowFileParser(display, System.IO.Path.GetDirectoryName(fullPath) ?? Directory.GetCurrentDirectory(), problems);
        if (parser.Parse(root) is not var (definition, workers))
        {
            return new WorkflowReadResult(null, problems);
        }

        foreach (var problem in definition.Validate())
        {
            var node = Locate(parser.Locations, problem);
            problems.Add(new WorkflowFileProblem(display, node?.Line ?? 0, node?.Column ?? 0, Describe(problem)));
        }

        // Stable: problems at one position keep the order they were found in.
        var sorted = problems.OrderBy(p => p.Line).ThenBy(p => p.Column).ToList();
        return new WorkflowReadResult(new WorkflowFile(fullPath, definition, workers), sorted);
    }

    private static string FileField(string field) => field switch
    {
        "step_id" => "id",
        "worker_type" => "worker",
        "prompt" => "approval",
        _ => field,
    };

    private static string Describe(ValidationProblem problem)
    {
        var field = FileField(problem.Field);
        return problem.StepId is null
            ? $"field '{field}': {problem.Message}"
            : $"step '{problem.StepId}', field '{field}': {problem.Message}";
    }

    private static DocNode? Locate(Dictionary<string, DocNode> locations, ValidationProblem problem)
    {
        var field = FileField(problem.Field);
        if (problem.StepId is { } stepId)
        {
            // The field itself, else the nearest field it is part of (on_label.bogus: the on_label map), else the step.
            for (var part = field; part.Length > 0; part = part[..Math.Max(0, part.LastIndexOfAny(['.', '[']))])
            {
                if (locations.GetValueOrDefault($"step:{stepId}:{part}") is { } node)
                {
                    return node;
                }
            }

            return locations.GetValueOrDefault("step:" + stepId);
        }

        if (problem.Field == "step_id")
        {
            return locations.GetValueOrDefault("step:");
        }

        return locations.GetValueOrDefault(field) ?? locations.GetValueOrDefault("steps") ?? locations.GetValueOrDefault("workflow");
    }
}
