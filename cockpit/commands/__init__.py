"""Sub-commands of the cockpit CLI, one a module, each with register(subparsers)."""
