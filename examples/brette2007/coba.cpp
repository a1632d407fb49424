// spiketorch_coba: the COBA benchmark network (coba.hpp) for --duration, with a summary of its
// activity and speed (benchmark_run.hpp).
#include "coba.hpp"
#include "program.hpp"

int main(int argc, char** argv) {
  return brette2007::main_of<brette2007::coba>(
      argc, argv, "spiketorch_coba",
      "spiketorch_coba: the COBA benchmark network of Brette et al. (2007): 4,000 LIF neurons "
      "with\nexponential synaptic conductances, 2% random connectivity, self-sustained "
      "activity.\n");
}
