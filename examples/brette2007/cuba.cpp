// spiketorch_cuba: the CUBA benchmark network (cuba.hpp) for --duration, with a summary of its
// activity and speed (benchmark_run.hpp).
#include "cuba.hpp"
#include "program.hpp"

int main(int argc, char** argv) {
  return brette2007::main_of<brette2007::cuba>(
      argc, argv, "spiketorch_cuba",
      "spiketorch_cuba: the CUBA benchmark network of Brette et al. (2007): 4,000 LIF neurons "
      "with\nexponential synaptic currents, 2% random connectivity, self-sustained activity.\n");
}
