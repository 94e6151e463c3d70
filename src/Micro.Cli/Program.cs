// The micro tool: `micro --help`. Exit codes: see Output/ExitCodes.cs (also printed by --help).
using Micro.Cli;

return await MicroCli.RunAsync(args).ConfigureAwait(false);
