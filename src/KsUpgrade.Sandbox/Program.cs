// Entry point of the sandbox process; filled in by the sandbox work (issue 3).
return 0;
