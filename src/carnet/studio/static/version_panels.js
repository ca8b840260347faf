// Extra panels of a model version's page, shown under its stage and aliases. Each is a function
// (container, {name, version, modelVersion}) that adds what it shows to `container` (an empty
// <div> it shares with the other panels). Add yours to the list: e.g. a "Use this model" panel
// with the code and the endpoints that serve the version.
export const versionPanels = [];
