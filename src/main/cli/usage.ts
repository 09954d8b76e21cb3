// The help texts of `raftlab` and each of its commands. They are the documentation a person reads
// first, so each says every form, every option with its default, and an example that works.
import { formatPartitions, PRESET_DESCRIPTIONS, PRESET_NAMES, presetPartitions } from '../../shared/config';
import { MIN_SECRET_BYTES, SECRET_FILE_NAME } from '../host/cluster-secret';
import { DEFAULT_RUN_OPTIONS as D, DEFAULT_SERVE_HOST } from './options';

export type HelpTopic = 'main' | 'node' | 'cluster' | 'client';

const MiB = 1024 * 1024;
const presetLines = PRESET_NAMES.map((name) => `  ${name.padEnd(9)}${PRESET_DESCRIPTIONS[name]}`).join('\n');
const readmeConfig = formatPartitions(presetPartitions('readme'));

const RUN_OPTIONS = `Options:
  --data-dir DIR             where each node keeps its log and vote, one folder per node
                             (default ${D.dataDir})
  --in-memory                keep nothing on disk; a restarted node starts empty
  --election-timeout MIN-MAX election timeout range in ms, drawn anew each time
                             (default ${D.electionTimeoutMs.min}-${D.electionTimeoutMs.max}; MIN < MAX)
  --heartbeat MS             leader heartbeat interval in ms (default ${D.heartbeatMs}; below MIN)
  --timescale X              slow motion: every timer and added network delay is multiplied
                             by X (default ${D.timescale}; X > 0, e.g. 10 for ten times slower)
  --max-value-bytes N        largest value a SET accepts (default ${D.maxValueBytes} = ${D.maxValueBytes / MiB} MiB)
  --request-timeout MS       a client request with no result by then gets -TRYAGAIN
                             (default ${D.requestTimeoutMs})
  --no-prevote               turn off PreVote (a rejoining node may then disrupt the leader)
  --no-check-quorum          turn off CheckQuorum (a cut-off leader then keeps its role)
  --quiet                    print only errors and the lines other programs read
  --idle-timeout SECONDS     close a client that sends and receives nothing for this long
                             (default ${D.idleTimeoutSeconds}: never, as Redis's 'timeout 0'; pooled
                             connections may rightly sit idle for hours, and a vanished client's
                             socket is freed anyway by TCP keepalive within minutes)
  --max-clients N            client connections served at once; beyond them a new client gets
                             '-ERR max number of clients reached' (default ${D.maxClients}; peers never count)
  --secret-file FILE         the cluster secret every member must hold (at least ${MIN_SECRET_BYTES}
                             characters). Default: $RAFTLAB_SECRET, else the data folder's
                             ${SECRET_FILE_NAME} (see above), made on first start (mode 0600);
                             for nodes on other machines, copy that file and pass it here
  --insecure                 run with no secret: anyone who can reach the port can write to the
                             log. Only for a machine nobody else uses
  --ring-tokens N            the hash ring's tokens per group (default ${D.ringTokensPerGroup}, well balanced;
                             the desktop app's classroom ring has 16, readable). Every node of a
                             cluster must use the same N for the life of its data: nodes with
                             another N refuse each other as members of another cluster
  -h, --help                 show this help`;

const MAIN = `raftlab: a Raft-replicated key-value store you can watch, break and heal.

Usage:
  raftlab node <ip> <port> <partitions> [options]     run one node in this process
  raftlab <ip> <port> <partitions> [options]          the same (the seed's form)
  raftlab cluster [options]                           run every node of a configuration here,
                                                      optionally serving the dashboard
  raftlab client <host:port> [COMMAND ARG...]         send one command, or open a prompt
  raftlab help [node | cluster | client]              show help; so does --help on any command

<partitions> is a list of groups, each a list of 'ip:port' addresses; keys are spread over the
groups by a consistent-hash ring and each group is one Raft group. Presets:
${presetLines}

Example, the seed README's five nodes (run once for each port 5001..5005):
  raftlab node 127.0.0.1 5001 "${readmeConfig}"

Run 'raftlab <command> --help' for the options of a command.`;

const NODE = `Usage:
  raftlab node <ip> <port> <partitions> [options]
  raftlab <ip> <port> <partitions> [options]          (the seed's form, the same)

Runs one node in this process. It serves clients (RESP, as redis-cli speaks it) and its peers on
<ip>:<port>, which must be one of the addresses in <partitions>.

<partitions> is the configuration text, e.g.
  "${readmeConfig}"
in single or double quotes or as JSON, or the name of a preset:
${presetLines}
A bare number after <partitions> (the seed README's trailing 0) is accepted and ignored.

Only holders of the cluster secret may speak Raft to a node (see --secret-file). Nodes started
with the same --data-dir share <data-dir>/${SECRET_FILE_NAME} without any step. With --in-memory
nothing is written, so a group of several nodes needs --secret-file or $RAFTLAB_SECRET.

${RUN_OPTIONS}

Example:
  raftlab node 127.0.0.1 5001 readme --data-dir /tmp/raftlab
  redis-cli -p 5001 SET color blue`;

const CLUSTER = `Usage:
  raftlab cluster [--partitions CFG | --preset NAME] [--serve [HOST:]PORT] [--token-file FILE]
                  [--allow-host NAME]... [options]

Runs every node of the configuration in this process, as the desktop app does, each on its own
address. With --serve it also serves the dashboard and the control API.
The nodes' cluster secret is made once per configuration in <data-dir>/<config id>/${SECRET_FILE_NAME}
(kept in memory with --in-memory), unless --secret-file or $RAFTLAB_SECRET gives one.

Configuration (default: the preset readme):
  --partitions CFG           the configuration text, as for 'raftlab node', e.g.
                             "[['127.0.0.1:5001', '127.0.0.1:5002'], ['127.0.0.1:5003']]"
  --preset NAME              one of:
${PRESET_NAMES.map((name) => `                               ${name.padEnd(9)}${PRESET_DESCRIPTIONS[name].replace(/ \(.*\)$/, '')}`).join('\n')}

Dashboard:
  --serve [HOST:]PORT        serve the dashboard and control API on HOST:PORT; HOST defaults
                             to ${DEFAULT_SERVE_HOST} (this machine only); PORT 0 picks a free port.
                             Prints 'dashboard: URL' with the real port and the token.
  --token-file FILE          read the API token from FILE's one line (keep it chmod 600)
  --token TOKEN              the API token on the command line; other users see it in 'ps',
                             so prefer --token-file or $RAFTLAB_TOKEN
                             (default: $RAFTLAB_TOKEN, else a random one)
  --allow-host NAME          also answer requests addressed to the host name NAME (repeatable);
                             IP addresses and localhost always work, any other name gets 421,
                             which stops DNS rebinding

${RUN_OPTIONS}

Example:
  raftlab cluster --preset sharded --serve 0 --in-memory --timescale 10`;

const CLIENT = `Usage:
  raftlab client <host:port> [COMMAND ARG...]

Sends one command to the node at <host:port> and prints the reply, or opens an interactive prompt
when no command is given. <host:port> may be just a port, meaning ${DEFAULT_SERVE_HOST}:PORT.
Everything after <host:port> is the command, sent as typed (so '-1' is an argument, not an option).

Commands (case-insensitive; any node accepts any key):
  SET key value              store a value; +OK once a majority of the key's group has it
  GET key                    read a value (linearizable), or (nil)
  DEL key [key ...]          remove keys; replies with how many existed
  EXISTS key [key ...]       count the keys that exist
  PING [message]             +PONG, or the message
  INFO [raft]                the node's Raft state as field:value lines
  QUIT                       close the connection

Options (before <host:port>):
  -h, --help                 show this help

Example:
  raftlab client 127.0.0.1:5001 SET color blue
  raftlab client 5001`;

const TEXTS: Readonly<Record<HelpTopic, string>> = { main: MAIN, node: NODE, cluster: CLUSTER, client: CLIENT };

export function usageText(topic: HelpTopic): string {
  return TEXTS[topic];
}
