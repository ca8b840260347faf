// Extra views of an experiment page, shown above its runs table. Each is a function
// (container, experimentId) that adds what it shows to `container` (an empty <div> it shares with
// the other views). Add yours to the list: e.g. an AutoML leaderboard for runs tagged carnet.automl.
import { leaderboardView } from "./leaderboard.js";

export const experimentViews = [leaderboardView];
