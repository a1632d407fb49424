// Fixed weights: an alias of learning::none under the name used in the design documents.
#pragma once

#include "spiketorch/config.hpp"

#include "spiketorch/learning/concepts.hpp"

namespace spiketorch::learning {
using static_rule = none;
}  // namespace spiketorch::learning
