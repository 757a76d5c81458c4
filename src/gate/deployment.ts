export { Deployment, DeploymentHomeserver, loadDeployment } from "../deployment/deployment.ts";
export { RUN_ID_VARIABLE } from "../deployment/target-file.ts";
