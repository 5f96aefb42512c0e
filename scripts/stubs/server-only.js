// In the operator package (dist/parley.tgz) in place of the server's modules: the commands that
// run the server or work on its data directory need the whole installation.
import { CliError } from '../../dist/cli/errors.js';

throw new CliError('this command runs on the server\'s machine, from the Parley installation (git clone, npm install); the operator package (parley.tgz) has only the client commands');
