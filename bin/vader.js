#!/usr/bin/env node
// Committed entry point so npm can link the `vader` binary before `prepare` has built dist/.
import "../dist/cli/main.js";
