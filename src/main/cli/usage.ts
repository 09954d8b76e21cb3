// The help texts of `raftlab` and each of its commands. They are the documentation a person reads
// first, so each says every form, every option with its default, and an example that works.
import { formatPartitions, PRESET_DESCRIPTIONS, PRESET_NAMES, presetPartitions } from '../../shared/config';
import { MIN_SECRET_BYTES, SECRET_FILE_NAME } from '../host/cluster-secret';
import { DEFAULT_RUN_OPTIONS as D, DEFAULT_SERVE_HOST } from './options';

export type HelpTopic = 'main' | 'node' | 'cluster' | 'client' | 'admin' | 'replay';

const MiB = 1024 * 1024;
const presetLines = PRESET_NAMES.map((name) => `  ${name.padEnd(9)}${PRESET_DESCRIPTIONS[name]}`).join('\n');
const readmeConfig = formatPartitions(presetPartitions('readme'));

const RUN_OPTIONS = `Options:
  --data-dir DIR             where each node keeps its log and vote, one folder per node
                             (default ${D.dataDir})
  --in-memory                keep nothing on disk; a restarted node starts empty
  --snapshot-entries N       take a snapshot every N applied entries, then drop the log before
                             it from memory and disk (default ${D.snapshotEntries})
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
  raftlab node <ip> <port> --join <host:port>         add a new node to a running cluster
  raftlab client <host:port> [COMMAND ARG...]         send one command, or open a prompt
  raftlab admin <host:port> members | remove-node ID | add-group IDS | remove-group G
                                                      show or change the groups and their members
  raftlab replay <file> [--serve [HOST:]PORT]         show a recorded session in the dashboard
  raftlab help [node | cluster | client | admin | replay]  show help; so does --help on any command

<partitions> is a list of groups, each a list of 'ip:port' addresses; keys are spread over the
groups by a consistent-hash ring and each group is one Raft group. Presets:
${presetLines}

Example, the seed README's five nodes (run once for each port 5001..5005):
  raftlab node 127.0.0.1 5001 "${readmeConfig}"

Run 'raftlab <command> --help' for the options of a command.`;

const NODE = `Usage:
  raftlab node <ip> <port> <partitions> [options]
  raftlab <ip> <port> <partitions> [options]          (the seed's form, the same)
  raftlab node <ip> <port> --join <host:port> [--group G] [options]
  raftlab node <ip> <port> [options]                  (restart a node that joined)

Runs one node in this process. It serves clients (RESP, as redis-cli speaks it) and its peers on
<ip>:<port>, which must be one of the addresses in <partitions>.

<partitions> is the configuration text, e.g.
  "${readmeConfig}"
in single or double quotes or as JSON, or the name of a preset:
${presetLines}
A bare number after <partitions> (the seed README's trailing 0) is accepted and ignored.

A node that is not in <partitions> joins a running cluster with --join: it asks the member at
<host:port> for the configuration, starts empty as a learner of group G (default: a group it is
already a learner of, else the one with the fewest voters), catches up, and becomes a voter. The
configuration is kept in its data folder, so a restart needs only <ip> <port>. A refusal (the
member unreachable, another cluster's secret, an address already a member, an unknown group) is
printed and exits 2. A node removed from its group (raftlab admin ... remove-node) exits 0.
  --join HOST:PORT           a member of the cluster to ask
  --group G                  the group to join

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
  --paused                   start with the clock paused: no timer runs and every message is
                             held until stepped (POST /api/step) or resumed, for staging a lesson

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

const ADMIN = `Usage:
  raftlab admin <host:port> members [--json]
  raftlab admin <host:port> remove-node <ip:port>
  raftlab admin <host:port> add-group <ip:port>,<ip:port>,...
  raftlab admin <host:port> remove-group <G>

Asks the node at <host:port> (any member; it forwards to the right group's leader):
  members                    each group's voters, learners and leader, and the ring's version;
                             --json prints them as one JSON object
  remove-node <ip:port>      removes that node from its group (the leader too: it steps down);
                             the removed node's process then exits 0. Refused when another
                             change of that group is pending, or it is the group's last voter.
  add-group <ip:port>,...    registers a new group of these nodes; the host of the cluster starts
                             them, and the keys the ring now gives them move to them while
                             clients go on ('raftlab cluster' hosts only, for now)
  remove-group <G>           moves group G's keys to the other groups, then stops G's nodes

Adding a node is 'raftlab node <ip> <port> --join <host:port>' (see 'raftlab node --help').

Exit codes: 0 done, 1 the node could not be reached, 2 refused or bad arguments.

Example:
  raftlab admin 127.0.0.1:5001 members
  raftlab admin 127.0.0.1:5001 remove-node 127.0.0.1:5003`;

const REPLAY = `Usage:
  raftlab replay <file> [--serve [HOST:]PORT] [--token-file FILE | --token TOKEN]

Serves a recorded session to the dashboard, with no cluster: scrub its timeline back and forth to
see the diagram, the logs and the narration as they were at any moment. Nothing can be changed.
<file> is a recording: the dashboard's 'Export' download, GET /api/recording, or the
recording.jsonl that 'raftlab cluster' keeps in its data folder. A file that is not one is
refused with the reason and exit code 2.

Options:
  --serve [HOST:]PORT        where to serve (default ${DEFAULT_SERVE_HOST}:0, a free port); prints
                             'dashboard: URL' with the real port and the token
  --token-file FILE          read the API token from FILE's one line
  --token TOKEN              the API token (default: $RAFTLAB_TOKEN, else a random one)
  -h, --help                 show this help

Example:
  raftlab replay raftlab-recording.jsonl --serve 8080`;

const TEXTS: Readonly<Record<HelpTopic, string>> = {
  main: MAIN,
  node: NODE,
  cluster: CLUSTER,
  client: CLIENT,
  admin: ADMIN,
  replay: REPLAY,
};

export function usageText(topic: HelpTopic): string {
  return TEXTS[topic];
}
