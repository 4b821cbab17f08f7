// One container instance's recorded log, joined back into one file: the older half
// (<instance>.log.0) then the newer (<instance>.log), streamed in chunks, with the gather's
// truncation marker (bundle/truncation.h) first when the recorder dropped its head.
#pragma once

#include <cstdint>
#include <vector>

#include "record/recording_reader.h"

namespace kmg::bundle {
class FileStream;
}

namespace kmg::record {

// Writes the joined log to every stream of `outs` (the recorded copy, and the cluster's own
// container log when its state is reconstructed). `dropped`: bytes the recorder said it dropped.
// False when a file could not be read or a stream refused a write.
bool write_instance_log(const InstanceFiles& files, std::uint64_t dropped,
                        const std::vector<bundle::FileStream*>& outs);

}  // namespace kmg::record
