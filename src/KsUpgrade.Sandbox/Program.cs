// Entry point of the sandbox process (see Hosting/ProcessMode.cs).
return await KsUpgrade.Sandbox.Hosting.ProcessMode.RunAsync(args);
