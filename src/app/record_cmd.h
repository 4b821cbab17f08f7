// The parts of `record` shared by its start (record_cmd.cpp) and its end (record_finish.cpp).
#pragma once

#include <filesystem>

#include <nlohmann/json.hpp>

#include "app/options.h"

namespace kmg::app {

// The selection flags as recording.json keeps them ("selection"), so `record --stop` gathers the
// clusters the recorder watched without repeating its flags.
nlohmann::json selection_to_json(const SelectionOptions& selection);
// `given` when it names anything itself, else the recorded selection.
SelectionOptions choose_selection(const SelectionOptions& given, const nlohmann::json& recorded);

// The stop-time work: a gather of every cluster still alive with the recording merged in, then the
// recording folder removed once the bundle is written. `collect.output` empty: the output the
// recorder was started with. Returns run_collect's exit code (--exit-zero implied).
int finish_recording(const std::filesystem::path& dir, CollectOptions collect);

// `record --stop`: hands the recorder of the pid file over to this process and finishes its
// recording here, so the gather's output, exit code and GitHub summary belong to the stop step.
int stop_recorder(const RecordOptions& options);

}  // namespace kmg::app
