using GpuGen.Cli;

return GpuGenCli.Run(args, Console.Out, Console.Error);
